package io.trellis.gateway.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import static org.assertj.core.api.Assertions.assertThat;

class ControlLoopTests {

	@Test
	void aClientRunOnItDoesItsIoOnTheControlThreadWhichEndsWithIt() throws Exception {
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.sendString(Mono.just("ok")))
			.bindNow();
		ControlLoop loop = new ControlLoop();
		ConnectionProvider connections = ConnectionProvider.create("control-loop-test", 1);
		AtomicReference<Thread> sent = new AtomicReference<>();
		AtomicReference<Thread> answered = new AtomicReference<>();
		try {
			String body = loop.runOn(HttpClient.create(connections))
				.doOnRequest((request, connection) -> sent.set(Thread.currentThread()))
				.get()
				.uri("http://127.0.0.1:" + server.port() + "/")
				.responseSingle((response, content) -> {
					answered.set(Thread.currentThread());
					return content.asString();
				})
				.block(Duration.ofSeconds(10));
			assertThat(body).isEqualTo("ok");
			assertThat(sent.get().getName()).startsWith(ControlLoop.THREAD_PREFIX);
			assertThat(answered.get()).isSameAs(sent.get());
			// and not one of Reactor Netty's shared loops, where the data path runs
			assertThat(sent.get().getName()).doesNotStartWith("reactor-http");
		}
		finally {
			connections.disposeLater().block(Duration.ofSeconds(5));
			loop.destroy();
			server.disposeNow();
		}
		sent.get().join(5000);
		assertThat(sent.get().isAlive()).as("control thread after destroy").isFalse();
	}

}
