package io.trellis.samples.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Steady traffic to the front end at a fixed rate, counting the outcomes and which version
 * of orders answered, so a change of the split shows in the demo's output.
 */
final class Traffic implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final URI target;

	private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, (task) -> {
		Thread thread = new Thread(task, "demo-traffic");
		thread.setDaemon(true);
		return thread;
	});

	private final Map<String, Integer> window = new TreeMap<>();

	private int sent;

	private int ok;

	Traffic(URI target) {
		this.target = target;
	}

	void start(double perSecond) {
		long periodMicros = (long) (1_000_000 / perSecond);
		this.executor.scheduleAtFixedRate(this::send, 0, periodMicros, TimeUnit.MICROSECONDS);
	}

	private void send() {
		String outcome;
		boolean success = false;
		try {
			HttpResponse<String> response = this.client.send(
					HttpRequest.newBuilder(this.target).timeout(Duration.ofSeconds(5)).build(),
					HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() == 200) {
				JsonNode version = JSON.readTree(response.body()).path("order").path("version");
				outcome = "orders " + version.asString("?");
				success = true;
			}
			else {
				outcome = "HTTP " + response.statusCode()
						+ response.headers().firstValue("x-trellis-error").map((r) -> " (" + r + ")").orElse("");
			}
		}
		catch (Exception ex) {
			outcome = ex.getClass().getSimpleName();
		}
		synchronized (this) {
			this.sent++;
			if (success) {
				this.ok++;
			}
			this.window.merge(outcome, 1, Integer::sum);
		}
	}

	/** One line on the traffic since the last call. */
	synchronized String report() {
		int total = this.window.values().stream().mapToInt(Integer::intValue).sum();
		StringBuilder line = new StringBuilder();
		line.append(String.format("%d requests, %d ok, %d failed |", total,
				this.window.entrySet().stream().filter((e) -> e.getKey().startsWith("orders")).mapToInt(Map.Entry::getValue).sum(),
				this.window.entrySet().stream().filter((e) -> !e.getKey().startsWith("orders")).mapToInt(Map.Entry::getValue).sum()));
		this.window.forEach((outcome, count) -> line.append(String.format(" %s %d%%", outcome,
				Math.round(100.0 * count / Math.max(1, total)))));
		this.window.clear();
		return line.toString();
	}

	synchronized int sent() {
		return this.sent;
	}

	synchronized int ok() {
		return this.ok;
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
