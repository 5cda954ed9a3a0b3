package io.trellis.e2e.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An application behind a sidecar, on a real Reactor Netty server: it answers every request
 * with JSON naming itself and echoing the method, path, headers and body it received.
 */
public final class EchoApp implements AutoCloseable {

	private final String name;

	private final DisposableServer server;

	private volatile Duration delay = Duration.ZERO;

	private volatile int status = 200;

	private volatile int healthStatus = 200;

	private volatile Map<String, String> lastHeaders = Map.of();

	private final java.util.concurrent.atomic.AtomicInteger healthChecks = new java.util.concurrent.atomic.AtomicInteger();

	private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

	private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

	private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();

	public EchoApp(String name) {
		this.name = name;
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> request.receive().aggregate().asString().defaultIfEmpty("")
				.doOnNext((body) -> {
					if (isHealthCheck(request.uri())) {
						this.healthChecks.incrementAndGet();
					}
					else if (!isReadinessProbe(request.uri())) {
						this.requests.incrementAndGet();
						int now = this.inFlight.incrementAndGet();
						this.maxInFlight.accumulateAndGet(now, Math::max);
					}
				})
				.delayUntil((body) -> (this.delay.isZero() || isReadinessProbe(request.uri())) ? Mono.empty()
						: Mono.delay(this.delay))
				.doOnNext((body) -> {
					if (!isHealthCheck(request.uri()) && !isReadinessProbe(request.uri())) {
						this.inFlight.decrementAndGet();
					}
				})
				.flatMap((body) -> {
				Map<String, Object> echo = new LinkedHashMap<>();
				echo.put("app", this.name);
				echo.put("method", request.method().name());
				echo.put("path", request.uri());
				Map<String, String> headers = new LinkedHashMap<>();
				request.requestHeaders().forEach((e) -> headers.merge(e.getKey().toLowerCase(), e.getValue(),
						(first, next) -> first + ", " + next));
				echo.put("headers", headers);
				if (!isHealthCheck(request.uri()) && !isReadinessProbe(request.uri())) {
					this.lastHeaders = headers;
				}
				echo.put("body", body);
				int status = isReadinessProbe(request.uri()) ? 200
						: isHealthCheck(request.uri()) ? this.healthStatus : this.status;
				return response.status(status)
					.header("content-type", "application/json")
					.header("x-echo-app", this.name)
					.sendString(Mono.just(HttpCall.JSON.writeValueAsString(echo)))
					.then();
			}))
			.bindNow();
	}

	/** The sidecar's readiness checks of its app, which the status and the count leave out. */
	private static boolean isReadinessProbe(String uri) {
		return uri.equals("/ready");
	}

	/** Callers' active health checks of the app ({@code GET /health}), which the count leaves out. */
	private static boolean isHealthCheck(String uri) {
		return uri.equals("/health");
	}

	/** Makes answers to {@code /health} from now on have {@code status}. */
	public void setHealthStatus(int status) {
		this.healthStatus = status;
	}

	/** Health checks received on {@code /health} since the start. */
	public int healthChecks() {
		return this.healthChecks.get();
	}

	/** Makes every answer from now on have {@code status} (readiness checks excepted). */
	public void setStatus(int status) {
		this.status = status;
	}

	/** The headers (lower-case names) of the last request received, checks excepted. */
	public Map<String, String> lastHeaders() {
		return this.lastHeaders;
	}

	/** Requests received since the start, readiness checks excepted. */
	public int requests() {
		return this.requests.get();
	}

	/** The most requests (other than probes and checks) it was answering at once since the last reset. */
	public int maxInFlight() {
		return this.maxInFlight.get();
	}

	/** Starts counting {@link #maxInFlight()} afresh. */
	public void resetMaxInFlight() {
		this.maxInFlight.set(this.inFlight.get());
	}

	/** Makes every answer from now on wait {@code delay} (zero for none; readiness checks excepted). */
	public void setDelay(Duration delay) {
		this.delay = delay;
	}

	public String name() {
		return this.name;
	}

	public int port() {
		return this.server.port();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
