package io.trellis.configserver.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * Serves the dashboard: one static page with its script and style sheet, which polls
 * {@code /mesh/v1/topology}. Served from here rather than left to static resource handling so
 * that the paths win over Config Server's {@code /{application}/{profile}} when its prefix is
 * empty, and so that every answer carries a content security policy that lets the page run
 * nothing but its own script.
 */
@Controller
public class DashboardController {

	public static final String PATH = "/dashboard";

	static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	private static final String LOCATION = "static/dashboard/";

	private final byte[] page = read("index.html");

	private final byte[] script = read("dashboard.js");

	private final byte[] styles = read("dashboard.css");

	@GetMapping("/")
	public ResponseEntity<Void> root() {
		return ResponseEntity.status(302).location(URI.create(PATH)).build();
	}

	@GetMapping({ PATH, PATH + "/", PATH + "/index.html" })
	public ResponseEntity<byte[]> page() {
		return answer(this.page, MediaType.TEXT_HTML);
	}

	@GetMapping(PATH + "/dashboard.js")
	public ResponseEntity<byte[]> script() {
		return answer(this.script, MediaType.parseMediaType("text/javascript;charset=UTF-8"));
	}

	@GetMapping(PATH + "/dashboard.css")
	public ResponseEntity<byte[]> styles() {
		return answer(this.styles, MediaType.parseMediaType("text/css;charset=UTF-8"));
	}

	private static ResponseEntity<byte[]> answer(byte[] body, MediaType type) {
		MediaType withCharset = (type.getCharset() != null) ? type : new MediaType(type, StandardCharsets.UTF_8);
		return ResponseEntity.ok()
			.contentType(withCharset)
			.cacheControl(CacheControl.noCache())
			.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "no-referrer")
			.body(body);
	}

	private static byte[] read(String name) {
		try (InputStream in = new ClassPathResource(LOCATION + name).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The dashboard's " + name + " is missing from the classpath", ex);
		}
	}

}
