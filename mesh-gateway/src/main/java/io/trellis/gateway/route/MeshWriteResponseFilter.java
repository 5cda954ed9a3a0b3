package io.trellis.gateway.route;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpVersion;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's filter that writes the upstream's response body, in its place
 * ({@link GatewayFilterReplacements}), with one difference: a body of known, small length
 * ({@link #WHOLE_BODY_LIMIT} bytes at most, the usual API answer) is gathered as it arrives and
 * written as one buffer, which the server sends with the response's head in one write. The
 * gateway streams every body: a queue, a drain loop and a separate flush task on the event loop
 * for each response, whatever its size (bench/RESULTS.md, "Small bodies written whole").
 * Streamed media types, chunked bodies, bodies of unknown or larger length, and responses
 * without a body (to {@code HEAD}, 1xx, 204, 304) are streamed as the gateway streams them. The
 * rest of the contract is the gateway's: nothing is written when no upstream answered or the
 * response is already committed, trailers pass through the header filters, and the upstream's
 * connection is closed when the exchange is cancelled or fails.
 */
public class MeshWriteResponseFilter extends NettyWriteResponseFilter {

	/** The longest body written whole. */
	public static final int WHOLE_BODY_LIMIT = 16 * 1024;

	private final List<MediaType> streamingMediaTypes;

	/** The last {@code Content-Type} looked at and whether it is streamed (racy by design: any answer kept is right). */
	private volatile StreamedAnswer lastAnswer;

	/** The last header filter list looked at and whether it has a trailer filter (racy as above). */
	private volatile TrailerAnswer lastTrailerAnswer;

	public MeshWriteResponseFilter(GatewayProperties properties,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
		super(properties.getStreamingMediaTypes(), headersFilters);
		this.streamingMediaTypes = properties.getStreamingMediaTypes();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(exchange).then(Mono.defer(() -> write(exchange))).doFinally((signal) -> {
			if (signal == SignalType.CANCEL || signal == SignalType.ON_ERROR) {
				closeUpstream(exchange);
			}
		});
	}

	private Mono<Void> write(ServerWebExchange exchange) {
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (connection == null) {
			return Mono.empty();
		}
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			closeUpstream(exchange);
			return Mono.empty();
		}
		HttpClientResponse upstream = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		Mono<Void> write;
		if (isStreamed(response)) {
			write = response.writeAndFlushWith(streamedBody(connection, response).map(Flux::just));
		}
		else if (upstream != null && writtenWhole(exchange.getRequest().getMethod(), upstream.status().code(),
				upstream.responseHeaders())) {
			write = response.writeWith(connection.inbound()
				.receive()
				.retain()
				.reduce(MeshWriteResponseFilter::append)
				.doOnDiscard(ByteBuf.class, MeshWriteResponseFilter::release)
				.map((buffer) -> wrap(buffer, response)));
		}
		else {
			write = response.writeWith(streamedBody(connection, response));
		}
		Mono<Void> trailers = trailers(exchange, upstream);
		return (trailers != null) ? write.then(trailers) : write;
	}

	/**
	 * The upstream's trailers, through the gateway's trailer filters, onto the response, once the
	 * body is written; {@code null} when there is nothing to do. When the upstream sent none and no
	 * trailer filter could add one, nothing is made: the gateway builds a header map, two operators
	 * and a filter pass for every response, trailers or not. An HTTP/1.x response carries trailers
	 * only in a chunked body, so for one without a {@code Transfer-Encoding} (the usual answer of
	 * known length) not even the wait for its trailers is made.
	 */
	private Mono<Void> trailers(ServerWebExchange exchange, HttpClientResponse upstream) {
		if (upstream == null) {
			return null;
		}
		List<HttpHeadersFilter> filters = getHeadersFilters();
		if (hasTrailerFilter(filters)) {
			return TrailerHeadersFilter.filter(filters, exchange, upstream).then();
		}
		if (!mayHaveTrailers(upstream.version(), upstream.responseHeaders())) {
			return null;
		}
		// The upstream's trailers are kept by its response once they arrive, so reading them twice
		// gives the same answer.
		return upstream.trailerHeaders()
			.flatMap((received) -> received.isEmpty() ? Mono.empty()
					: TrailerHeadersFilter.filter(filters, exchange, upstream).then());
	}

	/**
	 * Whether a response of this version with these headers can carry trailers: an HTTP/1.x one
	 * only with a transfer coding (chunked), an HTTP/2 or later one always.
	 */
	static boolean mayHaveTrailers(HttpVersion version, io.netty.handler.codec.http.HttpHeaders headers) {
		return version.majorVersion() != 1 || headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
	}

	/**
	 * Whether the gateway's header filters include a trailer filter. The answer for the last list
	 * looked at is kept (the gateway's list is made once): scanning it took half a percent of the
	 * event loop's time.
	 */
	boolean hasTrailerFilter(List<HttpHeadersFilter> filters) {
		TrailerAnswer last = this.lastTrailerAnswer;
		if (last != null && last.filters() == filters) {
			return last.any();
		}
		boolean any = false;
		if (filters != null) {
			for (HttpHeadersFilter filter : filters) {
				if (filter instanceof TrailerHeadersFilter) {
					any = true;
					break;
				}
			}
		}
		this.lastTrailerAnswer = new TrailerAnswer(filters, any);
		return any;
	}

	private record TrailerAnswer(List<HttpHeadersFilter> filters, boolean any) {
	}

	/**
	 * The body gathered so far with the piece that came next. Most small bodies arrive in one
	 * piece, which is passed on as it is; a body in several pieces is gathered in one composite
	 * buffer, without copying. Reactor Netty's {@code aggregate()} makes a composite buffer and
	 * seven operators for every body, one of them a {@code handle} that restores the request's
	 * thread-local context around its callback (bench/RESULTS.md, "Small bodies gathered by
	 * reduce"). Pieces and the composite are released by the discard hook if the body fails or
	 * the exchange is cancelled before it is whole.
	 */
	static ByteBuf append(ByteBuf body, ByteBuf next) {
		if (body instanceof Gathered gathered) {
			gathered.addComponent(true, next);
			return gathered;
		}
		Gathered gathered = new Gathered(body.alloc(), body.isDirect());
		gathered.addComponents(true, body, next);
		return gathered;
	}

	private static void release(ByteBuf buffer) {
		if (buffer.refCnt() > 0) {
			buffer.release();
		}
	}

	/** The buffer a body in several pieces is gathered in (its type tells it from a piece). */
	static final class Gathered extends CompositeByteBuf {

		Gathered(ByteBufAllocator alloc, boolean direct) {
			super(alloc, direct, GATHERED_PIECES);
		}

	}

	/** Pieces a gathered body holds before Netty consolidates them into one buffer. */
	private static final int GATHERED_PIECES = 16;

	private Flux<DataBuffer> streamedBody(Connection connection, ServerHttpResponse response) {
		return connection.inbound().receive().retain().map((buffer) -> wrap(buffer, response));
	}

	/**
	 * Whether the upstream's answer to a request of this method has a body of a length given
	 * in advance ({@code Content-Length}, no {@code Transfer-Encoding}), above zero and at most {@link #WHOLE_BODY_LIMIT} bytes.
	 */
	static boolean writtenWhole(HttpMethod method, int status, io.netty.handler.codec.http.HttpHeaders headers) {
		if (HttpMethod.HEAD.equals(method) || status < 200 || status == 204 || status == 304) {
			return false;
		}
		if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
			return false;
		}
		String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
		if (length == null || length.isEmpty() || length.length() > 6) {
			return false;
		}
		long bytes = 0;
		for (int i = 0; i < length.length(); i++) {
			char c = length.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
			bytes = bytes * 10 + (c - '0');
		}
		return bytes > 0 && bytes <= WHOLE_BODY_LIMIT;
	}

	/**
	 * Whether the response's media type is one the gateway streams. The answer for the last
	 * {@code Content-Type} seen is kept: a sidecar's answers mostly share one, and parsing it
	 * (even through Spring's cache of parsed types) on every response cost half a percent of the
	 * event loop's time.
	 */
	boolean isStreamed(ServerHttpResponse response) {
		String value = NettyHeaders.first(response.getHeaders(), HttpHeaderNames.CONTENT_TYPE);
		if (value == null || value.isEmpty()) {
			return false;
		}
		StreamedAnswer last = this.lastAnswer;
		if (last != null && last.contentType().equals(value)) {
			return last.streamed();
		}
		boolean streamed = isStreamedType(value);
		this.lastAnswer = new StreamedAnswer(value, streamed);
		return streamed;
	}

	private boolean isStreamedType(String value) {
		MediaType contentType;
		try {
			contentType = MediaType.parseMediaType(value);
		}
		catch (RuntimeException ex) {
			// not a media type: the gateway streams such bodies as any other
			return false;
		}
		for (MediaType streamed : this.streamingMediaTypes) {
			if (streamed.isCompatibleWith(contentType)) {
				return true;
			}
		}
		return false;
	}

	private record StreamedAnswer(String contentType, boolean streamed) {
	}

	private static void closeUpstream(ServerWebExchange exchange) {
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (connection != null) {
			connection.dispose();
		}
	}

}
