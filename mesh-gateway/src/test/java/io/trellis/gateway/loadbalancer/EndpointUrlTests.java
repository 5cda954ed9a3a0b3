package io.trellis.gateway.loadbalancer;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.trellis.gateway.discovery.MeshServiceInstance;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerUriTools;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load balancer's request URL is the one Spring Cloud's URI tools would make, without their
 * URI builder, for Spring Cloud's instances and for the registry's, whose origin is parsed once.
 */
class EndpointUrlTests {

	private static final List<String> REQUESTS = List.of("http://orders/", "http://orders/a/b",
			"http://orders:8080/a%20b/c%2Fd?x=1&y=%2F&z", "http://orders/search?q=caf%C3%A9&empty=",
			"http://orders/p;matrix=1/x?a=b", "http://orders/%E2%82%AC", "ws://orders/socket?token=t",
			"http://orders/a/../b/./c", "http://orders/a:b/c?d=e:f",
			"http://orders", "http://orders?q=1", "https://orders/s?x");

	private static final List<ServiceInstance> INSTANCES = instances();

	@Test
	void isWhatSpringCloudsUriToolsMakeForEveryRequestAndEndpoint() {
		for (String request : REQUESTS) {
			for (ServiceInstance instance : INSTANCES) {
				URI original = URI.create(request);
				// Spring Cloud's tools take an IPv6 address only in brackets (they refuse "::1"):
				// the sidecar's endpoints carry it bare.
				ServiceInstance bracketed = instance.getHost().contains(":")
						? new DefaultServiceInstance(instance.getInstanceId(), instance.getServiceId(),
								"[" + instance.getHost() + "]", instance.getPort(), instance.isSecure())
						: instance;
				URI expected = LoadBalancerUriTools.reconstructURI(bracketed, original);
				URI url = MeshLoadBalancerFilter.endpointUrl(instance, original);
				String what = request + " at " + instance.getClass().getSimpleName() + " " + instance.getInstanceId();
				assertThat(url).as(what).isEqualTo(expected);
				assertThat(url.toString()).as(what).isEqualTo(expected.toString());
				assertThat(url.toASCIIString()).as(what).isEqualTo(expected.toASCIIString());
				assertThat(url.getRawPath()).as(what).isEqualTo(expected.getRawPath());
				assertThat(url.getRawQuery()).as(what).isEqualTo(expected.getRawQuery());
				assertThat(url.getHost()).as(what).isEqualTo(expected.getHost());
				assertThat(url.getPort()).as(what).isEqualTo(expected.getPort());
				assertThat(url.getScheme()).as(what).isEqualTo(expected.getScheme());
			}
		}
	}

	@Test
	void aRegistryEndpointsUrlIsItsOriginParsedOnceWithTheRequestsPathAndQuery() {
		MeshServiceInstance instance = new MeshServiceInstance("a", "orders", "10.0.0.7", 8081, false, Map.of());
		URI origin = instance.origin("http");
		assertThat(origin).hasToString("http://10.0.0.7:8081");
		assertThat(instance.origin("https")).hasToString("https://10.0.0.7:8081");
		assertThat(instance.origin("ws")).isNull();
		URI first = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders/a?b=c"));
		URI second = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders/d"));
		assertThat(first).hasToString("http://10.0.0.7:8081/a?b=c");
		assertThat(second).hasToString("http://10.0.0.7:8081/d");
		// The endpoint's host comes from its origin, not from parsing each request's URL.
		assertThat(first.getHost()).isSameAs(origin.getHost());
		assertThat(second.getHost()).isSameAs(origin.getHost());
		assertThat(first.getRawAuthority()).isSameAs(origin.getRawAuthority());
	}

	@Test
	void anAddressThatMakesNoUriHostHasNoOriginAndIsBuiltWhole() {
		MeshServiceInstance instance = new MeshServiceInstance("a", "orders", "bad_host", 8081, false, Map.of());
		assertThat(instance.origin("http")).isNull();
		URI url = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders/a"));
		assertThat(url).hasToString("http://bad_host:8081/a");
		assertThat(url.getHost()).isNull();
	}

	@Test
	void anEmptyQueryAndADoubleSlashAreKeptAsTheyCameWhereSpringCloudsToolsDropThem() {
		for (ServiceInstance instance : INSTANCES) {
			URI url = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders/x?"));
			assertThat(url.getRawQuery()).as(instance.toString()).isEmpty();
			assertThat(url.toString()).as(instance.toString()).endsWith("/x?");
			url = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders//twice/a"));
			assertThat(url.getRawPath()).as(instance.toString()).isEqualTo("//twice/a");
			assertThat(url.getPort()).as(instance.toString()).isEqualTo(instance.getPort());
		}
	}

	@Test
	void anIpv6EndpointIsWrittenInBracketsWhetherItCameWithThemOrNot() {
		URI original = URI.create("http://orders/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new DefaultServiceInstance("a", "orders", "::1", 9000, false),
				original)).hasToString("http://[::1]:9000/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new DefaultServiceInstance("a", "orders", "[::1]", 9000, false),
				original)).hasToString("http://[::1]:9000/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new MeshServiceInstance("a", "orders", "::1", 9000, false, Map.of()),
				original)).hasToString("http://[::1]:9000/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new MeshServiceInstance("a", "orders", "[::1]", 9000, false, Map.of()),
				original)).hasToString("http://[::1]:9000/a");
	}

	@Test
	void keepsTheRequestsEncodedPathAndQueryAsTheyCame() {
		for (ServiceInstance instance : List.of(new DefaultServiceInstance("a", "orders", "::1", 9000, false),
				new MeshServiceInstance("a", "orders", "::1", 9000, false, Map.of()))) {
			URI url = MeshLoadBalancerFilter.endpointUrl(instance, URI.create("http://orders/a%2Fb/%20?x=%26&y"));
			assertThat(url.toString()).isEqualTo("http://[::1]:9000/a%2Fb/%20?x=%26&y");
			assertThat(url.getHost()).isEqualTo("[::1]");
			assertThat(url.getPort()).isEqualTo(9000);
		}
	}

	private static List<ServiceInstance> instances() {
		List<ServiceInstance> instances = new ArrayList<>();
		Object[][] endpoints = { { "a", "10.0.0.7", 8081, false }, { "b", "127.0.0.1", 443, true },
				{ "c", "::1", 9000, false }, { "d", "fe80::1", 9443, true },
				{ "e", "orders-0.orders.default.svc", 80, false } };
		for (Object[] e : endpoints) {
			instances.add(new DefaultServiceInstance((String) e[0], "orders", (String) e[1], (int) e[2], (boolean) e[3]));
			instances.add(new MeshServiceInstance((String) e[0], "orders", (String) e[1], (int) e[2], (boolean) e[3],
					Map.of()));
		}
		return List.copyOf(instances);
	}

}
