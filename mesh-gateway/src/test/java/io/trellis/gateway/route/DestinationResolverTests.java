package io.trellis.gateway.route;

import io.trellis.core.http.MeshHeaders;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DestinationResolverTests {

	@Test
	void hostHeaderNamesTheServiceAndItsPortIsIgnored() {
		assertThat(DestinationResolver.resolve(MockServerHttpRequest.get("http://orders:8080/x").build()))
			.isEqualTo("orders");
		assertThat(DestinationResolver.resolve(MockServerHttpRequest.get("/x").header("Host", "Orders").build()))
			.isEqualTo("orders");
	}

	@Test
	void destinationHeaderWinsOverHost() {
		assertThat(DestinationResolver.resolve(MockServerHttpRequest.get("http://127.0.0.1:15001/x")
			.header(MeshHeaders.DESTINATION, "inventory:80")
			.build())).isEqualTo("inventory");
	}

	@Test
	void addressThatIsNoServiceNameIsAnUnknownServiceNamingIt() {
		assertThatExceptionOfType(MeshException.class)
			.isThrownBy(() -> DestinationResolver.resolve(MockServerHttpRequest.get("http://127.0.0.1:15001/").build()))
			.satisfies((ex) -> {
				assertThat(ex.getError()).isEqualTo(MeshError.UNKNOWN_SERVICE);
				assertThat(ex.getMessage()).contains("'127.0.0.1:15001' names no mesh service");
			});
		assertThatExceptionOfType(MeshException.class).isThrownBy(() -> DestinationResolver
			.resolve(MockServerHttpRequest.get("/").header(MeshHeaders.DESTINATION, "[::1]:80").build()));
		assertThatExceptionOfType(MeshException.class).isThrownBy(
				() -> DestinationResolver.resolve(MockServerHttpRequest.get("/").header("Host", "api.example.com").build()));
	}

	@Test
	void hostOfAuthorityHandlesUserInfoAndIpv6() {
		assertThat(DestinationResolver.hostOf("user@orders:80")).isEqualTo("orders");
		assertThat(DestinationResolver.hostOf("[::1]:15001")).isEqualTo("[::1]");
		assertThat(DestinationResolver.hostOf("orders")).isEqualTo("orders");
	}

}
