package io.trellis.gateway.route;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request's timers run on the event loop it arrived on, and still fire.
 */
class EventLoopTimersTests {

	@Test
	void aRequestsTimersRunOnItsEventLoopAndFire() {
		// Made here: Spring reads its codec defaults from a file, which BlockHound refuses on an event loop.
		ServerCodecConfigurer codecs = ServerCodecConfigurer.create();
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle(new ReactorHttpHandlerAdapter(WebHttpHandlerBuilder.webHandler((exchange) -> {
				String arrivedOn = Thread.currentThread().getName();
				Scheduler timers = EventLoopTimers.of(exchange);
				String same = (timers == EventLoopTimers.of(exchange)) ? "same" : "another";
				// A call that never completes, ended by its timeout on the scheduler given.
				return Mono.never()
					.timeout(Duration.ofMillis(50), timers)
					.onErrorResume(TimeoutException.class,
							(ex) -> Mono.just(arrivedOn + "|" + Thread.currentThread().getName() + "|"
									+ (timers == Schedulers.parallel()) + "|" + same))
					.flatMap((text) -> exchange.getResponse()
						.writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(text.toString().getBytes()))));
			}).codecConfigurer(codecs).build()))
			.bindNow();
		try {
			String answer = HttpClient.create()
				.get()
				.uri("http://127.0.0.1:" + server.port() + "/")
				.responseSingle((response, body) -> body.asString())
				.block(Duration.ofSeconds(10));
			String[] parts = answer.split("\\|");
			assertThat(parts[0]).startsWith("reactor-http-");
			assertThat(parts[1]).as("the thread the timeout fired on").isEqualTo(parts[0]);
			assertThat(parts[2]).as("Reactor's parallel scheduler").isEqualTo("false");
			assertThat(parts[3]).as("one scheduler per event loop, not one per call").isEqualTo("same");
		}
		finally {
			server.disposeNow();
		}
	}

	@Test
	void anExchangeNotFromReactorNettyGetsReactorsTimers() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		assertThat(EventLoopTimers.of(exchange)).isSameAs(Schedulers.parallel());
	}

}
