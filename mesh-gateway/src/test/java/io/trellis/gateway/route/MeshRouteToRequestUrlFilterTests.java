package io.trellis.gateway.route;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.web.util.UriComponentsBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request URL of the sidecar's routes is what the gateway's filter makes for them, without
 * its URI builder.
 */
class MeshRouteToRequestUrlFilterTests {

	private static final List<String> REQUESTS = List.of("http://localhost:15006/", "http://orders/a/b",
			"http://orders:8080/a%20b/c%2Fd?x=1&y=%2F&z", "http://orders/search?q=caf%C3%A9&empty=",
			"http://orders/p;matrix=1/x?a=b", "http://[::1]:15001/%E2%82%AC");

	@Test
	void inboundRoutesGetTheAppsAddressWithTheRequestsPathAndQuery() {
		for (String app : List.of("http://127.0.0.1:8080", "http://[::1]:8080", "https://app.local:8443",
				"http://localhost")) {
			URI routeUri = URI.create(app);
			for (String request : REQUESTS) {
				URI requestUri = URI.create(request);
				// What Spring Cloud Gateway's RouteToRequestUrlFilter makes of the same route and request.
				URI expected = UriComponentsBuilder.fromUri(requestUri)
					.scheme(routeUri.getScheme())
					.host(routeUri.getHost())
					.port(routeUri.getPort())
					.build(true)
					.toUri();
				assertThat(MeshRouteToRequestUrlFilter.requestUrl(routeUri, requestUri)).as("%s to %s", request, app)
					.isEqualTo(expected);
			}
		}
	}

	@Test
	void theRoutesOriginIsNotParsedAgainForEachRequest() {
		URI route = URI.create("http://127.0.0.1:8080");
		URI url = MeshRouteToRequestUrlFilter.requestUrl(route, URI.create("http://orders/a?b=c"));
		assertThat(url).hasToString("http://127.0.0.1:8080/a?b=c");
		assertThat(url.getHost()).isSameAs(route.getHost());
		assertThat(url.getRawAuthority()).isSameAs(route.getRawAuthority());
	}

	@Test
	void pathsARelativeReferenceCannotCarryAreKeptAsTheyCame() {
		URI route = URI.create("http://127.0.0.1:8080");
		URI url = MeshRouteToRequestUrlFilter.requestUrl(route, URI.create("http://orders//a//b?c"));
		assertThat(url).hasToString("http://127.0.0.1:8080//a//b?c");
		assertThat(url.getHost()).isEqualTo("127.0.0.1");
		assertThat(url.getRawPath()).isEqualTo("//a//b");
		url = MeshRouteToRequestUrlFilter.requestUrl(route, URI.create("http://orders"));
		assertThat(url).hasToString("http://127.0.0.1:8080");
		url = MeshRouteToRequestUrlFilter.requestUrl(route, URI.create("http://orders?q=1"));
		assertThat(url).hasToString("http://127.0.0.1:8080?q=1");
	}

	@Test
	void meshRoutesKeepTheRouteUriForTheLoadBalancerToResolve() {
		URI route = URI.create("mesh://orders");
		assertThat(MeshRouteToRequestUrlFilter.requestUrl(route, URI.create("http://orders/a?b=c"))).isSameAs(route);
	}

	@Test
	void routesOfOtherShapesAreLeftToTheGatewaysOwnWay() {
		URI request = URI.create("http://orders/a");
		assertThat(MeshRouteToRequestUrlFilter.requestUrl(URI.create("http://app:8080/base"), request)).isNull();
		assertThat(MeshRouteToRequestUrlFilter.requestUrl(URI.create("http://app:8080?x=1"), request)).isNull();
		assertThat(MeshRouteToRequestUrlFilter.requestUrl(URI.create("lb://orders"), request)).isNull();
		assertThat(MeshRouteToRequestUrlFilter.requestUrl(URI.create("forward:/local"), request)).isNull();
	}

}
