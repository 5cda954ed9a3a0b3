package io.trellis.bench;

import java.time.Duration;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * An upstream that answers every request with a 1 KiB body after a fixed delay, on loopback,
 * on one event loop of its own: the slow instance of the balancing scenario.
 */
final class SlowServer implements AutoCloseable {

	private static final String BODY = "s".repeat(1024);

	private final LoopResources loops = LoopResources.create("bench-slow", 1, true);

	private final DisposableServer server;

	SlowServer(Duration delay) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.runOn(this.loops)
			.handle((request, response) -> Mono.delay(delay)
				.then(response.header("content-type", "text/plain").sendString(Mono.just(BODY)).then()))
			.bindNow();
	}

	int port() {
		return this.server.port();
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
		this.loops.disposeLater().block(Duration.ofSeconds(5));
	}

}
