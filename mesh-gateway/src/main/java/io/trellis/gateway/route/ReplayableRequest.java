package io.trellis.gateway.route;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A request whose body was read into memory, so it can be sent more than once (a retry, a
 * mirrored copy): each subscription to {@link #getBody()} gets the same bytes.
 */
public final class ReplayableRequest extends ServerHttpRequestDecorator {

	private final byte[] body;

	public ReplayableRequest(ServerHttpRequest delegate, byte[] body) {
		super(delegate);
		this.body = body;
	}

	/** The body's bytes. */
	public byte[] bytes() {
		return this.body;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		return Flux.defer(() -> (this.body.length == 0) ? Flux.empty()
				: Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(this.body)));
	}

	/** Whether the request has a body: a positive length, or one sent in chunks. */
	public static boolean hasBody(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		return headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	/** Reads a body of declared {@code length} into memory. */
	public static Mono<byte[]> read(ServerHttpRequest request, long length) {
		return DataBufferUtils.join(request.getBody(), (int) Math.min(Integer.MAX_VALUE, length + 1))
			.map((joined) -> {
				byte[] bytes = new byte[joined.readableByteCount()];
				joined.read(bytes);
				DataBufferUtils.release(joined);
				return bytes;
			})
			.defaultIfEmpty(new byte[0]);
	}

}
