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
import org.springframework.http.support.Netty4HeadersAdapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

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
	void requestHeadersOfANettyMapAreCopiedEntryByEntryEachValueOnce() {
		DefaultHttpHeaders request = new DefaultHttpHeaders();
		request.add("Host", "orders");
		request.add("X-Many", "1");
		request.add("Accept", "text/plain");
		request.add("x-many", "2");
		request.add("HOST", "again");
		HttpHeaders filtered = new HttpHeaders(new Netty4HeadersAdapter(request));
		assertThat(NettyHeaders.of(filtered)).as("the copy reads the Netty map itself").isSameAs(request);
		DefaultHttpHeaders target = new DefaultHttpHeaders();
		MeshRoutingFilter.copyRequestHeaders(filtered, target, "orders.example");
		assertThat(target.entries()).extracting(Map.Entry::getKey, Map.Entry::getValue)
			.containsExactly(tuple("X-Many", "1"), tuple("Accept", "text/plain"), tuple("x-many", "2"),
					tuple("Host", "orders.example"));
	}

	@Test
	void theClientsDefaultsGiveWayToTheRequestsOwnHeaders() {
		DefaultHttpHeaders request = new DefaultHttpHeaders();
		request.add("Host", "orders");
		request.add("User-Agent", "app/2");
		request.add("Content-Length", "12");
		request.add("x-a", "1");
		HttpHeaders filtered = new HttpHeaders(new Netty4HeadersAdapter(request));
		DefaultHttpHeaders target = clientDefaults();
		MeshRoutingFilter.setRequestHeaders(filtered, target, null);
		assertThat(target.entries()).extracting(Map.Entry::getKey, Map.Entry::getValue)
			.containsExactly(tuple("Host", "10.0.0.1:8080"), tuple("Accept", "*/*"), tuple("User-Agent", "app/2"),
					tuple("Content-Length", "12"), tuple("x-a", "1"));
		DefaultHttpHeaders preserving = clientDefaults();
		MeshRoutingFilter.setRequestHeaders(new HttpHeaders(new Netty4HeadersAdapter(new DefaultHttpHeaders())),
				preserving, "orders.example");
		assertThat(preserving.entries()).extracting(Map.Entry::getKey, Map.Entry::getValue)
			.as("nothing of the request's own: the client's defaults stay, but the caller's Host")
			.containsExactly(tuple("User-Agent", "ReactorNetty/test"), tuple("Accept", "*/*"),
					tuple("Transfer-Encoding", "chunked"), tuple("Host", "orders.example"));
		HttpHeaders springs = new HttpHeaders();
		springs.add("accept", "application/json");
		springs.add("content-length", "3");
		DefaultHttpHeaders fromSpringsMap = clientDefaults();
		MeshRoutingFilter.setRequestHeaders(springs, fromSpringsMap, null);
		assertThat(fromSpringsMap.entries()).extracting(Map.Entry::getKey, Map.Entry::getValue)
			.as("headers in Spring's own map are looked up through it, in any case")
			.containsExactly(tuple("User-Agent", "ReactorNetty/test"), tuple("Host", "10.0.0.1:8080"),
					tuple("accept", "application/json"), tuple("content-length", "3"));
	}

	/** What Reactor Netty's client puts in a POST request whose configuration has no headers. */
	private static DefaultHttpHeaders clientDefaults() {
		DefaultHttpHeaders headers = new DefaultHttpHeaders();
		headers.add("User-Agent", "ReactorNetty/test");
		headers.add("Host", "10.0.0.1:8080");
		headers.add("Accept", "*/*");
		headers.add("Transfer-Encoding", "chunked");
		return headers;
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
	void upstreamHeadersAreFilteredInTheServersMapWhileItHoldsNothingButItsFraming() {
		DefaultHttpHeaders server = new DefaultHttpHeaders();
		assertThat(MeshRoutingFilter.holdsOnlyTheServersFraming(server)).isTrue();
		server.set("Transfer-Encoding", "chunked");
		assertThat(MeshRoutingFilter.holdsOnlyTheServersFraming(server)).isTrue();
		server.add("x-trellis-retries", "1");
		assertThat(MeshRoutingFilter.holdsOnlyTheServersFraming(server)).isFalse();
		server.remove("Transfer-Encoding");
		assertThat(MeshRoutingFilter.holdsOnlyTheServersFraming(server)).isFalse();
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
