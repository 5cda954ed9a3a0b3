package io.trellis.samples.frontend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.util.HtmlUtils;

/**
 * The shop's front end: a servlet service that calls catalog and orders through the mesh
 * with a {@link RestClient}, addressing them as {@code http://catalog} and
 * {@code http://orders}. A request marked {@code x-canary: true} passes the mark on, which
 * the sample policy routes to orders v2.
 */
@SpringBootApplication
@RestController
public class FrontendApplication {

	private final RestClient client;

	FrontendApplication(RestClient.Builder builder) {
		this.client = builder.build();
	}

	public static void main(String[] args) {
		SpringApplication.run(FrontendApplication.class, args);
	}

	@GetMapping(path = "/api/home", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<Map<String, Object>> home(@RequestHeader(name = "x-canary", required = false) String canary) {
		Map<String, Object> home = new LinkedHashMap<>();
		List<String> errors = new ArrayList<>();
		home.put("products", call("http://catalog/products", canary, errors));
		home.put("order", call("http://orders/orders/recent", canary, errors));
		home.put("errors", errors);
		return errors.isEmpty() ? ResponseEntity.ok(home) : ResponseEntity.status(502).body(home);
	}

	@GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
	String page(@RequestHeader(name = "x-canary", required = false) String canary) {
		Map<String, Object> home = home(canary).getBody();
		StringBuilder html = new StringBuilder(2048);
		html.append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">")
			.append("<title>Trellis tea shop</title><style>body{font-family:sans-serif;margin:2em;}")
			.append("td,th{padding:.2em .8em;text-align:left}.v2{color:#0a7d2c}.err{color:#b00020}</style>")
			.append("</head><body><h1>Trellis tea shop</h1>");
		Object products = (home != null) ? home.get("products") : null;
		if (products instanceof Map<?, ?> catalog && catalog.get("products") instanceof List<?> list) {
			html.append("<h2>Products <small>(from catalog)</small></h2><table><tr><th>sku</th><th>name</th><th>price</th></tr>");
			for (Object item : list) {
				if (item instanceof Map<?, ?> product) {
					html.append("<tr><td>").append(escape(product.get("sku"))).append("</td><td>")
						.append(escape(product.get("name"))).append("</td><td>")
						.append(escape(product.get("price"))).append("</td></tr>");
				}
			}
			html.append("</table>");
		}
		Object order = (home != null) ? home.get("order") : null;
		if (order instanceof Map<?, ?> recent) {
			String version = String.valueOf(recent.get("version"));
			html.append("<h2>Your latest order <small>(from orders <span class=\"").append(escape(version))
				.append("\">").append(escape(version)).append("</span>)</small></h2><p>Order #")
				.append(escape(recent.get("id"))).append(": ").append(escape(recent.get("items"))).append("</p>");
			if (recent.get("estimatedDelivery") != null) {
				html.append("<p class=\"v2\">Estimated delivery: ").append(escape(recent.get("estimatedDelivery")))
					.append("</p>");
			}
		}
		if (home != null && home.get("errors") instanceof List<?> errors && !errors.isEmpty()) {
			html.append("<h2 class=\"err\">Errors</h2><ul>");
			errors.forEach((error) -> html.append("<li class=\"err\">").append(escape(error)).append("</li>"));
			html.append("</ul>");
		}
		return html.append("<p><small>Refreshes every 2 s. Edit samples/policy/orders.yml to move traffic ")
			.append("between orders v1 and v2.</small></p></body></html>")
			.toString();
	}

	private Object call(String url, String canary, List<String> errors) {
		try {
			return this.client.get().uri(url).headers((headers) -> {
				if (canary != null) {
					headers.set("x-canary", canary);
				}
			}).retrieve().body(Map.class);
		}
		catch (RestClientResponseException ex) {
			String reason = ex.getResponseHeaders() != null ? ex.getResponseHeaders().getFirst("x-trellis-error") : null;
			errors.add(url + ": " + ex.getStatusCode().value() + ((reason != null) ? " (mesh: " + reason + ")" : "")
					+ " " + ex.getResponseBodyAsString());
			return null;
		}
		catch (RuntimeException ex) {
			errors.add(url + ": " + ex.getMessage());
			return null;
		}
	}

	private static String escape(Object value) {
		return HtmlUtils.htmlEscape(String.valueOf(value));
	}

}
