package io.trellis.gateway.route;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

class MeshWriteResponseFilterTests {

	private static HttpHeaders headers(String... namesAndValues) {
		HttpHeaders headers = new DefaultHttpHeaders();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.add(namesAndValues[i], namesAndValues[i + 1]);
		}
		return headers;
	}

	@Test
	void aSmallBodyOfKnownLengthIsWrittenWhole() {
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Content-Length", "1024"))).isTrue();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.POST, 201, headers("content-length", "1"))).isTrue();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 404,
				headers("Content-Length", String.valueOf(MeshWriteResponseFilter.WHOLE_BODY_LIMIT))))
			.isTrue();
	}

	@Test
	void everythingElseIsStreamed() {
		int limit = MeshWriteResponseFilter.WHOLE_BODY_LIMIT;
		// too long, no length, chunked, empty, not a number
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Content-Length", String.valueOf(limit + 1)))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Content-Length", "10000000"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers())).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Transfer-Encoding", "chunked"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200,
				headers("Transfer-Encoding", "chunked", "Content-Length", "10")))
			.isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Content-Length", "0"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 200, headers("Content-Length", "-5"))).isFalse();
		// no body whatever the length says
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.HEAD, 200, headers("Content-Length", "10"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 204, headers("Content-Length", "10"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 304, headers("Content-Length", "10"))).isFalse();
		assertThat(MeshWriteResponseFilter.writtenWhole(HttpMethod.GET, 103, headers("Content-Length", "10"))).isFalse();
	}

}
