package io.trellis.gateway.limit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import io.trellis.core.policy.ConcurrencyLimit;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One destination's concurrency limit in this sidecar: a count of calls in flight against a
 * limit (fixed, or Gradient2 from the concurrency-limits library, fed with each call's latency)
 * and a first-come-first-served queue of at most {@code maxPending} calls waiting for a slot.
 * Nothing blocks: a waiting call is a pending {@link Mono} completed when a slot frees, and
 * leaves the queue when it is cancelled (its timeout, or its caller gone).
 */
public final class ConcurrencyLimiter {

	private final String service;

	private final ConcurrencyLimit settings;

	private final Limit limit;

	private final LongSupplier clock;

	private final ArrayDeque<Waiter> pending = new ArrayDeque<>();

	private int inFlight;

	private long rejected;

	ConcurrencyLimiter(String service, ConcurrencyLimit settings, LongSupplier clock) {
		this.service = service;
		this.settings = settings;
		this.clock = clock;
		this.limit = settings.adaptive()
				? Gradient2Limit.newBuilder()
					.initialLimit(settings.initialInFlight())
					.minLimit(settings.minInFlight())
					.maxConcurrency(settings.maxInFlight())
					.build()
				: FixedLimit.of(settings.maxInFlight());
	}

	public String service() {
		return this.service;
	}

	public ConcurrencyLimit settings() {
		return this.settings;
	}

	/**
	 * A slot for one call: at once when one is free and nobody waits, after the calls ahead
	 * when the queue has room, else an empty Mono (the caller answers {@code overloaded}).
	 */
	public Mono<Permit> acquire() {
		Permit now = tryAcquireNow();
		if (now != null) {
			return Mono.just(now);
		}
		return Mono.create((sink) -> {
			Waiter waiter = new Waiter(sink);
			boolean queued;
			synchronized (this) {
				Permit permit = grantLocked();
				if (permit != null) {
					sink.success(permit);
					return;
				}
				queued = this.pending.size() < this.settings.maxPending();
				if (queued) {
					this.pending.add(waiter);
				}
				else {
					this.rejected++;
				}
			}
			if (!queued) {
				sink.success();
				return;
			}
			sink.onCancel(() -> cancel(waiter));
		});
	}

	/** A permit when a slot is free and nobody is waiting, else null. */
	Permit tryAcquireNow() {
		synchronized (this) {
			return grantLocked();
		}
	}

	/** The calls waiting for a slot now. */
	public synchronized int pending() {
		return this.pending.size();
	}

	/** The calls holding a slot now. */
	public synchronized int inFlight() {
		return this.inFlight;
	}

	/** The number of calls allowed in flight now (changes over time when adaptive). */
	public int currentLimit() {
		return Math.min(this.limit.getLimit(), this.settings.maxInFlight());
	}

	/** State for the admin endpoint. */
	public synchronized Map<String, Object> describe() {
		Map<String, Object> description = new LinkedHashMap<>();
		description.put("adaptive", this.settings.adaptive());
		description.put("maxInFlight", this.settings.maxInFlight());
		description.put("maxPending", this.settings.maxPending());
		if (this.settings.adaptive()) {
			description.put("minInFlight", this.settings.minInFlight());
		}
		description.put("limit", currentLimit());
		description.put("inFlight", this.inFlight);
		description.put("pending", this.pending.size());
		description.put("rejected", this.rejected);
		return description;
	}

	private Permit grantLocked() {
		if (this.pending.isEmpty() && this.inFlight < currentLimit()) {
			this.inFlight++;
			return new Permit(this.clock.getAsLong(), this.inFlight);
		}
		return null;
	}

	private void cancel(Waiter waiter) {
		Permit granted;
		synchronized (this) {
			if (this.pending.remove(waiter)) {
				return;
			}
			granted = waiter.permit;
		}
		// Granted as it was cancelled: the call never ran, give the slot back unsampled.
		if (granted != null) {
			granted.releaseUnsampled();
		}
	}

	private void release(Permit permit, boolean sample, boolean dropped) {
		List<Waiter> admitted = null;
		synchronized (this) {
			this.inFlight--;
			if (sample) {
				long now = this.clock.getAsLong();
				this.limit.onSample(permit.startedAt, now - permit.startedAt, permit.inFlightAtStart, dropped);
			}
			int limit = currentLimit();
			while (!this.pending.isEmpty() && this.inFlight < limit) {
				Waiter next = this.pending.poll();
				this.inFlight++;
				next.permit = new Permit(this.clock.getAsLong(), this.inFlight);
				if (admitted == null) {
					admitted = new ArrayList<>(2);
				}
				admitted.add(next);
			}
		}
		if (admitted != null) {
			for (Waiter waiter : admitted) {
				waiter.sink.success(waiter.permit);
			}
		}
	}

	/** One call's slot, released exactly once whatever the call's end. */
	public final class Permit {

		final long startedAt;

		final int inFlightAtStart;

		private final AtomicBoolean released = new AtomicBoolean();

		Permit(long startedAt, int inFlightAtStart) {
			this.startedAt = startedAt;
			this.inFlightAtStart = inFlightAtStart;
		}

		/** The call completed (any status): its latency is a sample for the adaptive limit. */
		public void completed() {
			if (this.released.compareAndSet(false, true)) {
				release(this, true, false);
			}
		}

		/** The call failed or was given up (timeout, connection failure, caller gone). */
		public void failed() {
			if (this.released.compareAndSet(false, true)) {
				release(this, true, true);
			}
		}

		void releaseUnsampled() {
			if (this.released.compareAndSet(false, true)) {
				release(this, false, false);
			}
		}

	}

	private static final class Waiter {

		final MonoSink<Permit> sink;

		/** Set under the limiter's lock when the waiter is admitted. */
		Permit permit;

		Waiter(MonoSink<Permit> sink) {
			this.sink = sink;
		}

	}

}
