package io.trellis.gateway.loadbalancer;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerUriTools;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load balancer's request URL is the one Spring Cloud's URI tools would make, without their
 * URI builder.
 */
class EndpointUrlTests {

	private static final List<String> REQUESTS = List.of("http://orders/", "http://orders/a/b",
			"http://orders:8080/a%20b/c%2Fd?x=1&y=%2F&z", "http://orders/search?q=caf%C3%A9&empty=",
			"http://orders/p;matrix=1/x?a=b", "http://orders/%E2%82%AC", "ws://orders/socket?token=t");

	private static final List<ServiceInstance> INSTANCES = List.of(
			new DefaultServiceInstance("a", "orders", "10.0.0.7", 8081, false),
			new DefaultServiceInstance("b", "orders", "127.0.0.1", 443, true),
			new DefaultServiceInstance("c", "orders", "::1", 9000, false),
			new DefaultServiceInstance("d", "orders", "fe80::1", 9443, true),
			new DefaultServiceInstance("e", "orders", "orders-0.orders.default.svc", 80, false));

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
				assertThat(url).as("%s at %s", request, instance.getInstanceId()).isEqualTo(expected);
				assertThat(url.toString()).as("%s at %s", request, instance.getInstanceId())
					.isEqualTo(expected.toString());
			}
		}
	}

	@Test
	void anIpv6EndpointIsWrittenInBracketsWhetherItCameWithThemOrNot() {
		URI original = URI.create("http://orders/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new DefaultServiceInstance("a", "orders", "::1", 9000, false),
				original)).hasToString("http://[::1]:9000/a");
		assertThat(MeshLoadBalancerFilter.endpointUrl(new DefaultServiceInstance("a", "orders", "[::1]", 9000, false),
				original)).hasToString("http://[::1]:9000/a");
	}

	@Test
	void keepsTheRequestsEncodedPathAndQueryAsTheyCame() {
		URI url = MeshLoadBalancerFilter.endpointUrl(new DefaultServiceInstance("a", "orders", "::1", 9000, false),
				URI.create("http://orders/a%2Fb/%20?x=%26&y"));
		assertThat(url.toString()).isEqualTo("http://[::1]:9000/a%2Fb/%20?x=%26&y");
		assertThat(url.getHost()).isEqualTo("[::1]");
		assertThat(url.getPort()).isEqualTo(9000);
	}

}
