package io.trellis.gateway.route;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/** The routing filter's header copies and timeouts, which replace the gateway's own. */
class MeshRoutingFilterTests {

	@Test
	void requestHeadersAreCopiedWithEveryValueButTheHost() {
		HttpHeaders filtered = new HttpHeaders();
		filtered.add("Host", "orders");
		filtered.add("Accept", "text/plain");
		filtered.add("X-Many", "1");
		filtered.add("x-many", "2");
		DefaultHttpHeaders target = new DefaultHttpHeaders();
		MeshRoutingFilter.copyRequestHeaders(filtered, target, null);
		assertThat(target.contains("host")).isFalse();
		assertThat(target.get("accept")).isEqualTo("text/plain");
		assertThat(target.getAll("X-MANY")).containsExactly("1", "2");
	}

	@Test
	void aPreservedHostIsTheCallersOnly() {
		HttpHeaders filtered = new HttpHeaders();
		filtered.add("Host", "orders");
		DefaultHttpHeaders target = new DefaultHttpHeaders();
		MeshRoutingFilter.copyRequestHeaders(filtered, target, "orders.example");
		assertThat(target.getAll("Host")).containsExactly("orders.example");
	}

	@Test
	void responseHeadersAreAWritableCaseInsensitiveCopyOfWhatArrived() {
		DefaultHttpHeaders received = new DefaultHttpHeaders();
		received.add("Content-Type", "application/json");
		received.add("Set-Cookie", "a=1");
		received.add("set-cookie", "b=2");
		received.add("Connection", "close");
		HttpHeaders copy = MeshRoutingFilter.responseHeaders(received);
		assertThat(copy.getFirst("content-type")).isEqualTo("application/json");
		assertThat(copy.get("SET-COOKIE")).containsExactly("a=1", "b=2");
		copy.remove("connection");
		copy.add("X-Added", "yes");
		assertThat(copy.containsHeader("Connection")).isFalse();
		assertThat(copy.headerNames()).containsExactlyInAnyOrder("Content-Type", "Set-Cookie", "X-Added");
		assertThat(received.contains("Connection")).as("what arrived is left as it was").isTrue();
		assertThat(received.contains("X-Added")).isFalse();
	}

	@Test
	void theRoutesResponseTimeoutComesFirstThenTheGateways() {
		HttpClientProperties properties = new HttpClientProperties();
		properties.setResponseTimeout(Duration.ofSeconds(7));
		MeshRoutingFilter filter = new MeshRoutingFilter(reactor.netty.http.client.HttpClient.create(),
				new org.springframework.beans.factory.support.StaticListableBeanFactory().getBeanProvider(
						org.springframework.core.ResolvableType.forClassWithGenerics(List.class,
								org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.class)),
				properties);
		assertThat(filter.responseTimeout(route(Map.of()))).isEqualTo(Duration.ofSeconds(7));
		assertThat(filter.responseTimeout(route(Map.of(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, 250))))
			.isEqualTo(Duration.ofMillis(250));
		assertThat(filter.responseTimeout(route(Map.of(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, "1500"))))
			.isEqualTo(Duration.ofMillis(1500));
		assertThat(filter.responseTimeout(route(Map.of(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, -1)))).isNull();
		assertThat(filter.responseTimeout(route(Map.of(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, "soon"))))
			.as("not a number: the gateway's")
			.isEqualTo(Duration.ofSeconds(7));
	}

	private static Route route(Map<String, Object> metadata) {
		return Route.async().id("r").uri("http://localhost:8080").predicate((exchange) -> true).metadata(metadata).build();
	}

}
