package io.trellis.gateway.route;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar's header filters do what the gateway's do, and copy headers only when they must.
 */
class HeaderFiltersTests {

	private final HopByHopHeadersFilter hopByHop = new HopByHopHeadersFilter();

	private final GrpcRequestHeadersFilter grpc = new GrpcRequestHeadersFilter();

	@Test
	void requestWithoutHopByHopHeadersIsHandedOnUncopied() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/").header("Host", "orders").header("x-one", "1"));
		HttpHeaders request = exchange.getRequest().getHeaders();
		assertThat(this.hopByHop.filter(request, exchange)).isSameAs(request);
		assertThat(this.grpc.filter(request, exchange)).isSameAs(request);
	}

	@Test
	void requestWithHopByHopHeadersIsCopiedWithoutThem() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/")
			.header("Connection", "keep-alive, X-Hop")
			.header("x-hop", "1")
			.header("Keep-Alive", "timeout=5")
			.header("TE", "gzip")
			.header("x-kept", "yes"));
		HttpHeaders request = exchange.getRequest().getHeaders();
		HttpHeaders filtered = this.hopByHop.filter(request, exchange);
		assertThat(filtered).isNotSameAs(request);
		assertThat(filtered.headerNames()).containsExactly("x-kept");
		assertThat(request.containsHeader("x-hop")).as("the request itself is untouched").isTrue();
	}

	@Test
	void responseHeadersTheGatewayCopiedLoseHopByHopHeadersInPlace() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		HttpHeaders response = new HttpHeaders();
		response.add("Connection", "keep-alive, x-resp-hop");
		response.add("x-resp-hop", "1");
		response.add("Transfer-Encoding", "chunked");
		response.add("Content-Type", "text/plain");
		HttpHeaders filtered = this.hopByHop.filter(response, exchange);
		assertThat(filtered).isSameAs(response);
		assertThat(filtered.headerNames()).containsExactly("Content-Type");
	}

	@Test
	void responseHeadersInANettyMapLoseHopByHopHeadersInThatMap() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		DefaultHttpHeaders received = new DefaultHttpHeaders();
		received.add("Connection", "keep-alive, X-Resp-Hop ,x-other-hop");
		received.add("connection", "close");
		received.add("x-resp-hop", "1");
		received.add("X-Other-Hop", "2");
		received.add("Keep-Alive", "timeout=5");
		received.add("Transfer-Encoding", "chunked");
		received.add("Content-Type", "text/plain");
		received.add("close", "not listed as a name: Connection: close only closes");
		HttpHeaders response = new HttpHeaders(new Netty4HeadersAdapter(received));
		HttpHeaders filtered = this.hopByHop.filter(response, exchange);
		assertThat(filtered).isSameAs(response);
		assertThat(received.names()).containsExactly("Content-Type", "close");
	}

	@Test
	void configuredHopByHopNamesAreFoundInANettyMapInAnyCase() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		DefaultHttpHeaders received = new DefaultHttpHeaders();
		received.add("KEEP-ALIVE", "timeout=5");
		received.add("Content-Type", "text/plain");
		HttpHeaders response = new HttpHeaders(new Netty4HeadersAdapter(received));
		assertThat(this.hopByHop.filter(response, exchange)).isSameAs(response);
		assertThat(received.names()).containsExactly("Content-Type");

		DefaultHttpHeaders clean = new DefaultHttpHeaders();
		clean.add("Content-Type", "text/plain");
		clean.add("x-kept", "yes");
		HttpHeaders untouched = new HttpHeaders(new Netty4HeadersAdapter(clean));
		assertThat(this.hopByHop.filter(untouched, exchange)).isSameAs(untouched);
		assertThat(clean.names()).containsExactly("Content-Type", "x-kept");
	}

	@Test
	void namesConfiguredAfterUseAreTheOnesRemoved() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		DefaultHttpHeaders first = new DefaultHttpHeaders();
		first.add("Keep-Alive", "timeout=5");
		first.add("x-internal", "1");
		this.hopByHop.filter(new HttpHeaders(new Netty4HeadersAdapter(first)), exchange);
		assertThat(first.names()).containsExactly("x-internal");

		this.hopByHop.setHeaders(new java.util.HashSet<>(java.util.Set.of("x-internal")));
		DefaultHttpHeaders second = new DefaultHttpHeaders();
		second.add("Keep-Alive", "timeout=5");
		second.add("X-Internal", "1");
		this.hopByHop.filter(new HttpHeaders(new Netty4HeadersAdapter(second)), exchange);
		assertThat(second.names()).containsExactly("Keep-Alive");
	}

	@Test
	void readOnlyViewsOfANettyMapAreCopiedNotEdited() {
		DefaultHttpHeaders received = new DefaultHttpHeaders();
		received.add("Connection", "x-hop");
		received.add("x-hop", "1");
		received.add("x-kept", "yes");
		HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(received)));
		assertThat(NettyHeaders.of(readOnly)).isNull();
		HttpHeaders filtered = this.hopByHop.filter(readOnly,
				MockServerWebExchange.from(MockServerHttpRequest.get("/")));
		assertThat(filtered.headerNames()).containsExactly("x-kept");
		assertThat(received.names()).containsExactlyInAnyOrder("Connection", "x-hop", "x-kept");
	}

	@Test
	void aReadOnlyViewOfANettyMapIsLookedUpThroughItsMapAndHandedOnWhenClean() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		DefaultHttpHeaders clean = new DefaultHttpHeaders();
		clean.add("Host", "orders");
		clean.add("x-kept", "yes");
		HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(clean)));
		assertThat(NettyHeaders.readable(readOnly)).isSameAs(clean);
		assertThat(this.hopByHop.filter(readOnly, exchange)).isSameAs(readOnly);

		DefaultHttpHeaders hop = new DefaultHttpHeaders();
		hop.add("KEEP-ALIVE", "timeout=5");
		hop.add("x-kept", "yes");
		HttpHeaders withHop = HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(hop)));
		HttpHeaders filtered = this.hopByHop.filter(withHop, exchange);
		assertThat(filtered.headerNames()).containsExactly("x-kept");
		assertThat(hop.names()).as("the read-only view's map is not edited").containsExactly("KEEP-ALIVE", "x-kept");
	}

	@Test
	void theNettyMapBehindSpringsViewIsReadable() {
		assertThat(NettyHeaders.available()).as("Netty4HeadersAdapter's field, read by NettyHeaders").isTrue();
		DefaultHttpHeaders netty = new DefaultHttpHeaders();
		assertThat(NettyHeaders.of(new HttpHeaders(new Netty4HeadersAdapter(netty)))).isSameAs(netty);
		assertThat(NettyHeaders.of(new HttpHeaders())).isNull();
	}

	@Test
	void readOnlyHeadersOfAnotherKindAreCopied() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		HttpHeaders writable = new HttpHeaders();
		writable.add("Upgrade", "h2c");
		writable.add("x-kept", "yes");
		HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(writable);
		HttpHeaders filtered = this.hopByHop.filter(readOnly, exchange);
		assertThat(filtered.headerNames()).containsExactly("x-kept");
		assertThat(writable.containsHeader("Upgrade")).isTrue();
	}

	@Test
	void grpcRequestGetsTeTrailersOnACopy() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/pkg.Service/Call").header("Content-Type", "application/grpc+proto"));
		HttpHeaders request = exchange.getRequest().getHeaders();
		HttpHeaders filtered = this.grpc.filter(request, exchange);
		assertThat(filtered.getFirst("te")).isEqualTo("trailers");
		assertThat(request.containsHeader("te")).isFalse();
	}

}
