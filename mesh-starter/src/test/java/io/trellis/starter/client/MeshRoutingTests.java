package io.trellis.starter.client;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class MeshRoutingTests {

	private final MeshRouting routing = new MeshRouting("127.0.0.1", 15001, List.of("orders.shop", " Billing.Corp "),
			List.of("legacy", "Payments.shop"));

	@Test
	void singleLabelHttpHostGoesToSidecarKeepingPathAndQuery() {
		MeshRoute route = this.routing.route(URI.create("http://orders/items?x=1"));
		assertThat(route).isNotNull();
		assertThat(route.service()).isEqualTo("orders");
		assertThat(route.destination()).isEqualTo("orders");
		assertThat(route.sidecarUri()).isEqualTo(URI.create("http://127.0.0.1:15001/items?x=1"));
	}

	@Test
	void explicitPortTravelsInTheDestination() {
		MeshRoute route = this.routing.route(URI.create("http://orders:8080/items"));
		assertThat(route.service()).isEqualTo("orders");
		assertThat(route.destination()).isEqualTo("orders:8080");
		assertThat(route.sidecarUri()).isEqualTo(URI.create("http://127.0.0.1:15001/items"));
	}

	@Test
	void encodedPathAndQueryStayEncoded() {
		MeshRoute route = this.routing.route(URI.create("http://orders/items/a%2Fb%20c?q=x%26y&z=%C3%A9#frag"));
		assertThat(route.sidecarUri().getRawPath()).isEqualTo("/items/a%2Fb%20c");
		assertThat(route.sidecarUri().getRawQuery()).isEqualTo("q=x%26y&z=%C3%A9");
		assertThat(route.sidecarUri().getRawFragment()).isNull();
	}

	@Test
	void emptyPathBecomesRoot() {
		assertThat(this.routing.route(URI.create("http://orders")).sidecarUri())
			.isEqualTo(URI.create("http://127.0.0.1:15001/"));
		assertThat(this.routing.route(URI.create("http://orders?x=1")).sidecarUri())
			.isEqualTo(URI.create("http://127.0.0.1:15001/?x=1"));
	}

	@Test
	void hostIsMatchedCaseInsensitivelyAndReportedInLowerCase() {
		MeshRoute route = this.routing.route(URI.create("HTTP://Orders:81/x"));
		assertThat(route.service()).isEqualTo("orders");
		assertThat(route.destination()).isEqualTo("orders:81");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://orders/items", "http://localhost:8080/items", "http://LOCALHOST/items",
			"http://127.0.0.1:8080/items", "http://[::1]:8080/items", "http://2130706433/items",
			"http://api.example.com/items", "http://legacy/items", "http://payments.shop/items",
			"http://under_score/items", "ftp://orders/items", "/relative/items", "http://-orders/items" })
	void otherUrlsAreNotMeshCalls(String url) {
		assertThat(this.routing.route(URI.create(url))).isNull();
	}

	@Test
	void includedHostsWithDotsAreMeshCalls() {
		assertThat(this.routing.route(URI.create("http://orders.shop/items")).destination()).isEqualTo("orders.shop");
		assertThat(this.routing.route(URI.create("http://billing.corp:9000/")).destination())
			.isEqualTo("billing.corp:9000");
	}

	@Test
	void includedHostsOverHttpsAreStillNotMeshCalls() {
		assertThat(this.routing.route(URI.create("https://orders.shop/items"))).isNull();
	}

	@Test
	void excludedHostWinsOverIncludedHost() {
		MeshRouting both = new MeshRouting("127.0.0.1", 15001, List.of("orders"), List.of("orders"));
		assertThat(both.route(URI.create("http://orders/items"))).isNull();
	}

	@Test
	void ipv6SidecarAddressIsBracketed() {
		MeshRouting ipv6 = new MeshRouting("::1", 15001, List.of(), List.of());
		assertThat(ipv6.route(URI.create("http://orders/items")).sidecarUri())
			.isEqualTo(URI.create("http://[::1]:15001/items"));
	}

}
