package io.trellis.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * An upstream in the harness itself, on loopback and one event loop of its own, that answers
 * every request with a 1 KiB body, after a delay and with a status chosen by the scenario, and
 * counts the requests it got: the slow instance of S7, the instances and the failing service
 * of S8.
 */
final class HarnessServer implements AutoCloseable {

	private static final String BODY = "s".repeat(1024);

	private final LoopResources loops = LoopResources.create("bench-upstream", 1, true);

	private final AtomicLong requests = new AtomicLong();

	private final DisposableServer server;

	HarnessServer(Duration delay) {
		this(delay, 200);
	}

	HarnessServer(Duration delay, int status) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.runOn(this.loops)
			.handle((request, response) -> {
				this.requests.incrementAndGet();
				Mono<Void> answer = response.status(HttpResponseStatus.valueOf(status))
					.header("content-type", "text/plain")
					.sendString(Mono.just(BODY))
					.then();
				return delay.isZero() ? answer : Mono.delay(delay).then(answer);
			})
			.bindNow();
	}

	int port() {
		return this.server.port();
	}

	/** Requests received since the start. */
	long requests() {
		return this.requests.get();
	}

	/** Stops at once, closing every connection, as a process that dies. */
	void kill() {
		this.server.disposeNow(Duration.ofSeconds(1));
	}

	@Override
	public void close() {
		if (!this.server.isDisposed()) {
			this.server.disposeNow(Duration.ofSeconds(5));
		}
		this.loops.disposeLater().block(Duration.ofSeconds(5));
	}

}
