package io.trellis.gateway.loadbalancer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a caller's sidecar knows of one endpoint's load: the requests it has in flight there
 * and a peak-EWMA estimate of its latency, both observed by the sidecar itself on the
 * requests it sends.
 * <p>
 * The estimate jumps up to any slower response at once (the peak) and comes down slowly, by
 * an exponentially weighted moving average over the decay time; while no response arrives it
 * decays toward zero, so an endpoint that was slow is tried again after a while rather than
 * starved forever (as in Linkerd's proxy and Finagle).
 */
final class EndpointLoad {

	private final AtomicInteger pending = new AtomicInteger();

	private double estimateNanos;

	private long updatedAt;

	private long samples;

	EndpointLoad(long defaultRttNanos, long now) {
		this.estimateNanos = defaultRttNanos;
		this.updatedAt = now;
	}

	/** Requests sent to the endpoint and not yet answered. */
	int pending() {
		return this.pending.get();
	}

	void started() {
		this.pending.incrementAndGet();
	}

	/** A request ended after {@code rttNanos}; {@code now} is {@link System#nanoTime()}. */
	synchronized void ended(long now, long rttNanos, long decayNanos) {
		this.pending.decrementAndGet();
		if (rttNanos > this.estimateNanos) {
			this.estimateNanos = rttNanos;
		}
		else {
			double weight = weight(now, decayNanos);
			this.estimateNanos = this.estimateNanos * weight + rttNanos * (1 - weight);
		}
		this.updatedAt = Math.max(this.updatedAt, now);
		this.samples++;
	}

	/**
	 * A request was given up after {@code waitedNanos} without an answer: its load is no longer
	 * on the endpoint, and the endpoint is at least that slow now (a shorter wait says nothing).
	 */
	synchronized void abandoned(long now, long waitedNanos) {
		this.pending.decrementAndGet();
		if (waitedNanos > this.estimateNanos) {
			this.estimateNanos = waitedNanos;
			this.updatedAt = Math.max(this.updatedAt, now);
		}
	}

	/** The latency estimate now, in nanoseconds, decayed since the last response. */
	synchronized double estimateNanos(long now, long decayNanos) {
		double weight = weight(now, decayNanos);
		this.estimateNanos *= weight;
		this.updatedAt = Math.max(this.updatedAt, now);
		return this.estimateNanos;
	}

	/** Peak-EWMA cost: the estimate times the requests in flight plus the one to send. */
	double cost(long now, long decayNanos) {
		return estimateNanos(now, decayNanos) * (this.pending.get() + 1);
	}

	synchronized long samples() {
		return this.samples;
	}

	private double weight(long now, long decayNanos) {
		long elapsed = now - this.updatedAt;
		return (elapsed <= 0) ? 1.0 : Math.exp(-(double) elapsed / decayNanos);
	}

}
