package io.trellis.e2e.support;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Steady background requests for a test, bounded in count and time, counting the outcomes
 * (status codes, and which app answered).
 */
public final class Traffic implements AutoCloseable {

	private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

	private final AtomicInteger sent = new AtomicInteger();

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final Thread thread;

	/**
	 * @param call one request; its result is counted by {@link #outcome(HttpCall.Response)}
	 * @param pause the pause between requests
	 * @param maxRequests the most requests to send
	 * @param maxDuration the longest the loop runs
	 */
	public Traffic(Supplier<HttpCall.Response> call, Duration pause, int maxRequests, Duration maxDuration) {
		long deadline = System.nanoTime() + maxDuration.toNanos();
		this.thread = new Thread(() -> {
			while (this.running.get() && this.sent.get() < maxRequests && System.nanoTime() < deadline) {
				String outcome;
				try {
					outcome = outcome(call.get());
				}
				catch (RuntimeException ex) {
					outcome = "exception " + ex.getClass().getSimpleName() + ": " + ex.getMessage();
				}
				this.sent.incrementAndGet();
				this.outcomes.computeIfAbsent(outcome, (key) -> new AtomicInteger()).incrementAndGet();
				try {
					Thread.sleep(pause.toMillis());
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "e2e-traffic");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	static String outcome(HttpCall.Response response) {
		String app = response.header("x-echo-app");
		String error = response.header("x-trellis-error");
		return response.status() + ((app != null) ? " " + app : "") + ((error != null) ? " " + error : "");
	}

	public int sent() {
		return this.sent.get();
	}

	/** Stops the loop and returns the outcome counts. */
	public Map<String, Integer> stop() {
		this.running.set(false);
		try {
			this.thread.join(30_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		Map<String, Integer> result = new TreeMap<>();
		this.outcomes.forEach((key, value) -> result.put(key, value.get()));
		return result;
	}

	@Override
	public void close() {
		stop();
	}

}
