package io.trellis.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scrapes the sidecars' metrics while a scenario measures, as Prometheus does in a real mesh:
 * {@code GET /actuator/prometheus} on each admin listener, one after the other, every interval.
 * A scrape makes the sidecar write its whole exposition at once; this lets a run show what that
 * does to the latency of the traffic the sidecar carries at the same time.
 */
final class Scraper implements AutoCloseable {

	private final List<String> urls;

	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "bench-scraper");
		thread.setDaemon(true);
		return thread;
	});

	/** Client-side time of each successful scrape, in microseconds. */
	private final List<Long> micros = new ArrayList<>();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong bytes = new AtomicLong();

	private volatile String lastFailure;

	/**
	 * Starts scraping each of {@code urls} every {@code interval}.
	 * @throws IllegalArgumentException when the interval is not positive
	 */
	Scraper(List<String> urls, Duration interval) {
		if (interval.isZero() || interval.isNegative()) {
			throw new IllegalArgumentException("the scrape interval must be positive, got " + interval.toMillis() + " ms");
		}
		this.urls = List.copyOf(urls);
		this.timer.scheduleAtFixedRate(this::scrapeAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	private void scrapeAll() {
		for (String url : this.urls) {
			long start = System.nanoTime();
			try {
				String body = Http.text(url);
				long took = (System.nanoTime() - start) / 1000;
				this.bytes.addAndGet(body.length());
				noteLag(body);
				synchronized (this.micros) {
					this.micros.add(took);
				}
			}
			catch (RuntimeException ex) {
				this.failures.incrementAndGet();
				this.lastFailure = ex.getMessage();
			}
		}
	}

	/** The largest event-loop lag a sidecar reported in a scrape, in seconds; negative when none did. */
	private volatile double maxLag = -1;

	/** Notes the sidecar's {@code trellis_event_loop_lag_seconds_max} (its watchdog's) in a Prometheus exposition. */
	private void noteLag(String exposition) {
		for (String line : exposition.split("\n")) {
			if (line.startsWith("trellis_event_loop_lag_seconds_max")) {
				try {
					double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
					if (value > this.maxLag) {
						this.maxLag = value;
					}
				}
				catch (NumberFormatException ex) {
					// not a sample line
				}
			}
		}
	}

	/** The largest event-loop lag the scraped sidecars reported, in ms; negative when none reported one. */
	double maxLagMillis() {
		double lag = this.maxLag;
		return (lag < 0) ? -1 : lag * 1000;
	}

	/** What the scrapes did so far, as a sentence of the report. */
	String summary() {
		List<Double> times = times();
		long failed = this.failures.get();
		String result = times.size() + " scrapes of " + this.urls.size() + " admin listeners ("
				+ (times.isEmpty() ? "none answered"
						: "about " + (this.bytes.get() / times.size() / 1024) + " KiB each; time per scrape at the "
								+ "client: " + timing(times))
				+ "), " + failed + " failed";
		return (failed > 0) ? result + " (last: " + this.lastFailure + ")" : result;
	}

	/** The client-side time of each successful scrape so far, in milliseconds. */
	List<Double> times() {
		synchronized (this.micros) {
			return this.micros.stream().map((us) -> us / 1000.0).toList();
		}
	}

	/** Scrapes that failed so far. */
	long failures() {
		return this.failures.get();
	}

	/** Median, 99th percentile and maximum of {@code times} (ms), as text. */
	static String timing(List<Double> times) {
		if (times.isEmpty()) {
			return "none";
		}
		List<Double> sorted = times.stream().sorted().toList();
		double p99 = sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1));
		return "median " + Stats.number(Stats.median(times), 1) + " ms, p99 " + Stats.number(p99, 1) + " ms, maximum "
				+ Stats.number(sorted.get(sorted.size() - 1), 1) + " ms";
	}

	/** Stops scraping; a scrape under way finishes first. */
	@Override
	public void close() throws InterruptedException {
		this.timer.shutdown();
		this.timer.awaitTermination(10, TimeUnit.SECONDS);
	}

}
