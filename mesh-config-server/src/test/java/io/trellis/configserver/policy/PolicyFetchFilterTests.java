package io.trellis.configserver.policy;

import java.nio.file.Path;

import io.trellis.configserver.MutableClock;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyFetchFilterTests {

	@TempDir
	Path dir;

	private final JsonMapper json = new JsonMapper();

	private PolicyDirectory policy;

	private PolicyStore store;

	private PolicyFetchFilter filter;

	@BeforeEach
	void setUp() {
		this.policy = new PolicyDirectory(this.dir);
		this.policy.write("application.yml", "mesh.policy.timeout: 5s\n");
		this.policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
		this.store = this.policy.store(MutableClock.startingNow());
		this.store.scan();
		this.filter = new PolicyFetchFilter(this.store, this.json, "/config/");
	}

	@Test
	void answersTheServedEnvironmentWithoutGoingFurther() throws Exception {
		Fetch fetch = fetch("/config/orders/default");

		assertThat(fetch.passedOn()).isFalse();
		assertThat(fetch.response.getStatus()).isEqualTo(200);
		assertThat(fetch.response.getContentType()).startsWith("application/json");
		Environment served = this.store.environment("orders");
		assertThat(this.json.readTree(fetch.response.getContentAsByteArray()))
			.isEqualTo(this.json.readTree(this.json.writeValueAsBytes(served)));
		assertThat(fetch.response.getContentLength()).isEqualTo(fetch.response.getContentAsByteArray().length);
	}

	@Test
	void answersTheNewVersionOnceItIsServed() throws Exception {
		String before = body("/config/orders/default").path("version").asString();

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();

		JsonNode after = body("/config/orders/default");
		assertThat(after.path("version").asString()).isEqualTo(this.store.version("orders")).isNotEqualTo(before);
		assertThat(after.path("propertySources").path(0).path("source").path("mesh.policy.timeout").asString())
			.isEqualTo("3s");
	}

	@Test
	void servicesWithoutAFileGetTheMeshWideDefaults() throws Exception {
		JsonNode payments = body("/config/payments/default");

		assertThat(payments.path("name").asString()).isEqualTo("payments");
		assertThat(payments.path("version").asString()).isEqualTo(this.store.version("payments"));
		assertThat(body("/config/application/default").path("version").asString())
			.isEqualTo(this.store.version("application"));
	}

	@Test
	void leavesEveryOtherRequestToConfigServer() throws Exception {
		assertThat(fetch("/config/orders/default/main").passedOn()).as("labelled").isTrue();
		assertThat(fetch("/config/orders-default.yml").passedOn()).as("yaml form").isTrue();
		assertThat(fetch("/config/orders/default.properties").passedOn()).as("file form").isTrue();
		assertThat(fetch("/config/Or_ders/default").passedOn()).as("bad service name").isTrue();
		assertThat(fetch("/config/orders/").passedOn()).as("no profile").isTrue();
		assertThat(fetch("/config/orders/%2e%2e").passedOn()).as("encoded").isTrue();
		assertThat(fetch("/mesh/v1/services/orders").passedOn()).as("outside the prefix").isTrue();
		assertThat(fetch("/configuration/orders/default").passedOn()).as("prefix is a whole segment").isTrue();

		MockHttpServletRequest post = request("/config/orders/default");
		post.setMethod("POST");
		assertThat(fetch(post).passedOn()).as("not a GET").isTrue();

		MockHttpServletRequest query = request("/config/orders/default");
		query.setQueryString("useDefaultLabel=true");
		assertThat(fetch(query).passedOn()).as("query").isTrue();

		MockHttpServletRequest v2 = request("/config/orders/default");
		v2.addHeader("Accept", "application/vnd.spring-cloud.config-server.v2+json, application/json");
		assertThat(fetch(v2).passedOn()).as("Config Server's v2 media type").isTrue();

		MockHttpServletRequest html = request("/config/orders/default");
		html.addHeader("Accept", "text/html");
		assertThat(fetch(html).passedOn()).as("not JSON").isTrue();
	}

	@Test
	void acceptsTheWaysClientsAskForJson() throws Exception {
		for (String accept : new String[] { "application/json", "*/*", "application/*",
				"text/plain;q=0.5, application/json" }) {
			MockHttpServletRequest request = request("/config/orders/default");
			request.addHeader("Accept", accept);
			assertThat(fetch(request).passedOn()).as(accept).isFalse();
		}
	}

	@Test
	void prefixesAreNormalized() {
		assertThat(PolicyFetchFilter.normalize("/config/")).isEqualTo("/config");
		assertThat(PolicyFetchFilter.normalize("config")).isEqualTo("/config");
		assertThat(PolicyFetchFilter.normalize("")).isEmpty();
		assertThat(PolicyFetchFilter.normalize(null)).isEmpty();
	}

	@Test
	void worksWithoutAPrefix() throws Exception {
		this.filter = new PolicyFetchFilter(this.store, this.json, "");
		assertThat(fetch("/orders/default").passedOn()).isFalse();
	}

	private JsonNode body(String path) throws Exception {
		Fetch fetch = fetch(path);
		assertThat(fetch.passedOn()).isFalse();
		return this.json.readTree(fetch.response.getContentAsByteArray());
	}

	private static MockHttpServletRequest request(String path) {
		return new MockHttpServletRequest("GET", path);
	}

	private Fetch fetch(String path) throws Exception {
		return fetch(request(path));
	}

	private Fetch fetch(HttpServletRequest request) throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		this.filter.doFilter(request, response, chain);
		return new Fetch(response, chain);
	}

	private record Fetch(MockHttpServletResponse response, MockFilterChain chain) {

		boolean passedOn() {
			return this.chain.getRequest() != null;
		}

	}

}
