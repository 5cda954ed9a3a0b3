package io.trellis.gateway.route;

import java.util.List;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

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

	@Test
	void onlyAChunkedHttp1ResponseOrAnHttp2OneCanCarryTrailers() {
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.HTTP_1_1, headers("Content-Length", "10"))).isFalse();
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.HTTP_1_1, headers())).as("a body up to the close")
			.isFalse();
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.HTTP_1_0, headers())).isFalse();
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.HTTP_1_1, headers("Transfer-Encoding", "chunked")))
			.isTrue();
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.HTTP_1_1,
				headers("transfer-encoding", "gzip, chunked")))
			.isTrue();
		assertThat(MeshWriteResponseFilter.mayHaveTrailers(HttpVersion.valueOf("HTTP/2.0"), headers("Content-Length", "10")))
			.as("HTTP/2 trailers follow any body")
			.isTrue();
	}

	@Test
	void theTrailerFilterAnswerIsForTheListAskedAbout() {
		MeshWriteResponseFilter filter = new MeshWriteResponseFilter(new GatewayProperties(),
				new StaticListableBeanFactory().getBeanProvider(
						ResolvableType.forClassWithGenerics(List.class, HttpHeadersFilter.class)));
		HttpHeadersFilter plain = (input, exchange) -> input;
		List<HttpHeadersFilter> without = List.of(plain);
		List<HttpHeadersFilter> with = List.of(plain, new Trailers());
		assertThat(filter.hasTrailerFilter(without)).isFalse();
		assertThat(filter.hasTrailerFilter(without)).isFalse();
		assertThat(filter.hasTrailerFilter(with)).isTrue();
		assertThat(filter.hasTrailerFilter(with)).isTrue();
		assertThat(filter.hasTrailerFilter(without)).isFalse();
		assertThat(filter.hasTrailerFilter(null)).isFalse();
		assertThat(filter.hasTrailerFilter(List.of(new Trailers()))).isTrue();
	}

	private static final class Trailers implements HttpHeadersFilter, TrailerHeadersFilter {

		@Override
		public org.springframework.http.HttpHeaders filter(org.springframework.http.HttpHeaders input,
				org.springframework.web.server.ServerWebExchange exchange) {
			return input;
		}

		@Override
		public org.springframework.http.HttpHeaders trailers(org.springframework.http.HttpHeaders input,
				org.springframework.web.server.ServerWebExchange exchange) {
			return input;
		}

	}

	@Test
	void streamedMediaTypesAreTheGatewaysWhateverCameBefore() {
		MeshWriteResponseFilter filter = new MeshWriteResponseFilter(new GatewayProperties(),
				new StaticListableBeanFactory().getBeanProvider(
						ResolvableType.forClassWithGenerics(List.class, HttpHeadersFilter.class)));
		assertThat(filter.isStreamed(response("application/json"))).isFalse();
		assertThat(filter.isStreamed(response("application/json"))).isFalse();
		assertThat(filter.isStreamed(response("text/event-stream"))).isTrue();
		assertThat(filter.isStreamed(response("text/event-stream"))).isTrue();
		assertThat(filter.isStreamed(response("application/json"))).isFalse();
		assertThat(filter.isStreamed(response("application/stream+json;charset=UTF-8"))).isTrue();
		assertThat(filter.isStreamed(response("not a media type"))).isFalse();
		assertThat(filter.isStreamed(response(null))).isFalse();
	}

	private static MockServerHttpResponse response(String contentType) {
		MockServerHttpResponse response = new MockServerHttpResponse();
		if (contentType != null) {
			response.getHeaders().set("Content-Type", contentType);
		}
		return response;
	}

}
