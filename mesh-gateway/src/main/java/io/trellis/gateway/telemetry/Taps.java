package io.trellis.gateway.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;

/**
 * Live taps: each one a reader of the metadata of requests as they finish, filtered, through a
 * bounded buffer of its own. Publishing never blocks the request: with no tap open it costs one
 * read of an empty list; a tap whose reader is behind (or not reading at all) loses the events
 * that do not fit its buffer, counted in {@code trellis.tap.dropped} and announced in its stream.
 * At most {@code maxTaps} are open at once, each for at most {@code maxDuration}.
 */
public class Taps {

	/** How often a tap's buffer is handed to its reader. */
	static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

	private static final String RECORD_START = "{\"time\"";

	private final List<Tap> open = new CopyOnWriteArrayList<>();

	private final int maxTaps;

	private final int buffer;

	private final Duration maxDuration;

	private final LongAdder dropped = new LongAdder();

	public Taps(int maxTaps, int buffer, Duration maxDuration, MeterRegistry meters) {
		this.maxTaps = maxTaps;
		this.buffer = buffer;
		this.maxDuration = maxDuration;
		if (meters != null) {
			FunctionCounter.builder("trellis.tap.dropped", this.dropped, LongAdder::sum)
				.description("Tap events dropped because the tap's reader was behind")
				.register(meters);
			Gauge.builder("trellis.tap.open", this.open, List::size).description("Taps streaming now").register(meters);
		}
	}

	boolean active() {
		return !this.open.isEmpty();
	}

	void publish(RequestRecord record) {
		for (Tap tap : this.open) {
			if (tap.filter.matches(record) && !tap.queue.offer(record)) {
				tap.dropped.incrementAndGet();
				this.dropped.increment();
			}
		}
	}

	public Duration maxDuration() {
		return this.maxDuration;
	}

	public int openTaps() {
		return this.open.size();
	}

	/**
	 * Opens a tap: a stream of JSON lines, one per matching request, ending after {@code limit}
	 * requests or {@code duration}, whichever comes first, or when the reader goes away.
	 * @throws TooManyTapsException when {@code maxTaps} are open already
	 */
	public Flux<String> open(TapFilter filter, long limit, Duration duration) {
		Duration bounded = (duration.compareTo(this.maxDuration) > 0) ? this.maxDuration : duration;
		Tap tap = new Tap(filter, new BoundedQueue<>(this.buffer));
		synchronized (this.open) {
			if (this.open.size() >= this.maxTaps) {
				throw new TooManyTapsException("Already " + this.open.size() + " taps open, the most this sidecar "
						+ "allows (mesh.proxy.tap.max-taps=" + this.maxTaps + "); try again when one ends");
			}
			this.open.add(tap);
		}
		long[] reportedDrops = { 0 };
		AtomicLong emitted = new AtomicLong();
		String opened = "{\"tap\":{\"filter\":\"" + filter + "\",\"limit\":" + limit + ",\"durationMs\":"
				+ bounded.toMillis() + "}}\n";
		Flux<String> records = Flux.interval(FLUSH_INTERVAL, FLUSH_INTERVAL)
			.onBackpressureDrop()
			.concatMapIterable((tick) -> {
				List<String> lines = new ArrayList<>();
				long drops = tap.dropped.get();
				if (drops > reportedDrops[0]) {
					lines.add("{\"dropped\":" + (drops - reportedDrops[0]) + "}\n");
					reportedDrops[0] = drops;
				}
				List<RequestRecord> batch = new ArrayList<>();
				tap.queue.drainTo(batch, Integer.MAX_VALUE);
				for (RequestRecord record : batch) {
					lines.add(Json.line(record) + "\n");
				}
				return lines;
			}, 1)
			.takeUntil((line) -> line.startsWith(RECORD_START) && emitted.incrementAndGet() >= limit)
			.take(bounded);
		return Flux.just(opened).concatWith(records).doFinally((signal) -> this.open.remove(tap));
	}

	private record Tap(TapFilter filter, BoundedQueue<RequestRecord> queue, AtomicLong dropped) {

		Tap(TapFilter filter, BoundedQueue<RequestRecord> queue) {
			this(filter, queue, new AtomicLong());
		}

	}

	/** Refused: too many taps are open. */
	public static class TooManyTapsException extends RuntimeException {

		TooManyTapsException(String message) {
			super(message);
		}

	}

}
