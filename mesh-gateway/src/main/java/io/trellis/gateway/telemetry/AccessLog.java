package io.trellis.gateway.telemetry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * The access log: one JSON line per request ({@link Json}), appended to a file or written to
 * standard output by a thread of its own. The request path only offers the record to a bounded
 * queue; when the writer is behind (a slow disk, a blocked pipe) records are dropped and counted
 * in {@code trellis.access.log.dropped} instead of holding up requests or filling the heap.
 */
public class AccessLog implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(AccessLog.class);

	/** How long the writer rests when nothing is queued. */
	private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	private final boolean enabled;

	private final Path path;

	private final BoundedQueue<RequestRecord> queue;

	private final LongAdder dropped = new LongAdder();

	private final LongAdder written = new LongAdder();

	private volatile Thread writer;

	private volatile boolean running;

	/**
	 * @param path file to append to, or null for standard output
	 * @param queueSize most records waiting for the writer
	 * @param meters where the dropped and written counts are published; may be null
	 */
	public AccessLog(Path path, int queueSize, MeterRegistry meters) {
		this(true, path, queueSize, meters);
	}

	/**
	 * @param enabled whether it logs at all: when not, it opens nothing and starts no thread
	 * @param path file to append to, or null for standard output
	 * @param queueSize most records waiting for the writer
	 * @param meters where the dropped and written counts are published; may be null
	 */
	public AccessLog(boolean enabled, Path path, int queueSize, MeterRegistry meters) {
		this.enabled = enabled;
		this.path = path;
		this.queue = new BoundedQueue<>(enabled ? queueSize : 1);
		if (enabled && meters != null) {
			FunctionCounter.builder("trellis.access.log.dropped", this.dropped, LongAdder::sum)
				.description("Access log lines dropped because the writer was behind")
				.register(meters);
			FunctionCounter.builder("trellis.access.log.written", this.written, LongAdder::sum)
				.description("Access log lines written")
				.register(meters);
		}
	}

	/** Queues a record for the writer; never blocks. */
	void offer(RequestRecord record) {
		if (!this.queue.offer(record)) {
			this.dropped.increment();
		}
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public long dropped() {
		return this.dropped.sum();
	}

	@Override
	public void start() {
		if (!this.enabled) {
			return;
		}
		Writer out;
		try {
			if (this.path != null) {
				Path parent = this.path.toAbsolutePath().getParent();
				if (parent != null) {
					Files.createDirectories(parent);
				}
				out = Files.newBufferedWriter(this.path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
						StandardOpenOption.APPEND);
			}
			else {
				out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot open the access log mesh.proxy.access-log.path=" + this.path
					+ ": " + ex.getMessage(), ex);
		}
		this.running = true;
		Thread thread = new Thread(() -> write(out), "trellis-access-log");
		thread.setDaemon(true);
		thread.start();
		this.writer = thread;
		logger.info("Access log on, to " + ((this.path != null) ? this.path : "standard output"));
	}

	private void write(Writer out) {
		List<RequestRecord> batch = new ArrayList<>(256);
		try {
			while (this.running || !this.queue.isEmpty()) {
				RequestRecord first = this.queue.poll();
				if (first == null) {
					// Requests never wait for the writer, nor wake it: it looks again shortly.
					LockSupport.parkNanos(IDLE_WAIT_NANOS);
					continue;
				}
				batch.add(first);
				this.queue.drainTo(batch, 1023);
				for (RequestRecord record : batch) {
					out.write(Json.line(record));
					out.write('\n');
				}
				this.written.add(batch.size());
				batch.clear();
				if (this.queue.isEmpty()) {
					out.flush();
				}
			}
		}
		catch (IOException ex) {
			logger.error("Access log writer stopped: " + ex.getMessage() + "; further lines are dropped", ex);
			this.running = false;
		}
		finally {
			try {
				out.flush();
				if (this.path != null) {
					out.close();
				}
			}
			catch (IOException ex) {
				// Nothing more to write to.
			}
			// Anything still queued will never be written.
			this.dropped.add(this.queue.clear());
		}
	}

	/** Writes what is queued, then stops the writer (up to 5 s). */
	@Override
	public void stop() {
		this.running = false;
		Thread thread = this.writer;
		if (thread != null) {
			try {
				thread.join(5000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.writer = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.writer != null;
	}

	@Override
	public int getPhase() {
		// Stops after the listeners have drained, so the last requests are logged.
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

}
