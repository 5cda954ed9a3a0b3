package io.trellis.gateway.route;

import java.time.Duration;

import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DeadlinesTests {

	@Test
	void meshHeaderIsMillisecondsLeft() {
		assertThat(Deadlines.remaining(headers("x-trellis-timeout-ms", "250"))).isEqualTo(Duration.ofMillis(250));
		assertThat(Deadlines.remaining(headers("x-trellis-timeout-ms", " 0 "))).isZero();
		assertThat(Deadlines.remaining(headers("x-trellis-timeout-ms", "-5"))).isZero();
		assertThat(Deadlines.remaining(new HttpHeaders())).isNull();
	}

	@Test
	void grpcTimeoutInEveryUnit() {
		assertThat(Deadlines.parseGrpc("2H")).isEqualTo(Duration.ofHours(2));
		assertThat(Deadlines.parseGrpc("3M")).isEqualTo(Duration.ofMinutes(3));
		assertThat(Deadlines.parseGrpc("4S")).isEqualTo(Duration.ofSeconds(4));
		assertThat(Deadlines.parseGrpc("100m")).isEqualTo(Duration.ofMillis(100));
		assertThat(Deadlines.parseGrpc("1500u")).isEqualTo(Duration.ofNanos(1_500_000));
		assertThat(Deadlines.parseGrpc("99999999n")).isEqualTo(Duration.ofNanos(99_999_999));
	}

	@Test
	void theSoonerOfBothWins() {
		HttpHeaders headers = headers("x-trellis-timeout-ms", "800");
		headers.set("grpc-timeout", "300m");
		assertThat(Deadlines.remaining(headers)).isEqualTo(Duration.ofMillis(300));
		headers.set("grpc-timeout", "2S");
		assertThat(Deadlines.remaining(headers)).isEqualTo(Duration.ofMillis(800));
	}

	@Test
	void malformedHeadersAreBadRequestsNamingTheHeader() {
		for (String bad : new String[] { "soon", "1.5", "", "12345678901234567890" }) {
			assertThatExceptionOfType(MeshException.class)
				.isThrownBy(() -> Deadlines.remaining(headers("x-trellis-timeout-ms", bad)))
				.satisfies((ex) -> assertThat(ex.getError()).isEqualTo(MeshError.BAD_REQUEST))
				.withMessageContaining("x-trellis-timeout-ms");
		}
		for (String bad : new String[] { "10", "m", "123456789m", "10x", "1.5S" }) {
			assertThatExceptionOfType(MeshException.class)
				.isThrownBy(() -> Deadlines.remaining(headers("grpc-timeout", bad)))
				.withMessageContaining("grpc-timeout");
		}
	}

	private static HttpHeaders headers(String name, String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(name, value);
		return headers;
	}

}
