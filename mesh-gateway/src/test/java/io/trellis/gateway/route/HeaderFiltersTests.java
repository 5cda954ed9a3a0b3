package io.trellis.gateway.route;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
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
