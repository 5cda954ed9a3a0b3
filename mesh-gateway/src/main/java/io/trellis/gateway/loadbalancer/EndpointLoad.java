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

	private int consecutiveFailures;

	/** When the current ejection ends ({@link System#nanoTime()}), or 0 when not ejected. */
	private long ejectedUntil;

	/** Ejected and not yet back: after the ejection ends, one probe at a time until one succeeds. */
	private boolean onProbation;

	private boolean probing;

	private int timesEjected;

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

	/** Whether a request may go to the endpoint now (not ejected, and no probe in flight on probation). */
	synchronized boolean available(long now) {
		if (!this.onProbation) {
			return true;
		}
		return now - this.ejectedUntil >= 0 && !this.probing;
	}

	/** Claims the probe if the endpoint is on probation and its ejection is over. @return whether this request is the probe */
	synchronized boolean claimProbe(long now) {
		if (this.onProbation && now - this.ejectedUntil >= 0 && !this.probing) {
			this.probing = true;
			return true;
		}
		return false;
	}

	/**
	 * Counts a request's outcome toward ejection.
	 * @return +1 when the endpoint was ejected now (from in service), -1 when it came back, else 0
	 */
	synchronized int outcome(boolean failed, boolean probe, long now, io.trellis.core.policy.OutlierDetection detection,
			java.util.function.BooleanSupplier mayEject) {
		if (probe) {
			this.probing = false;
			if (failed) {
				this.timesEjected++;
				this.ejectedUntil = now + detection.ejectionTime(this.timesEjected).toNanos();
				return 0;
			}
			this.onProbation = false;
			this.ejectedUntil = 0;
			this.consecutiveFailures = 0;
			return -1;
		}
		if (!failed) {
			this.consecutiveFailures = 0;
			return 0;
		}
		this.consecutiveFailures++;
		if (!detection.enabled() || this.onProbation || this.consecutiveFailures < detection.consecutiveFailures()
				|| !mayEject.getAsBoolean()) {
			return 0;
		}
		this.timesEjected++;
		this.consecutiveFailures = 0;
		this.onProbation = true;
		this.ejectedUntil = now + detection.ejectionTime(this.timesEjected).toNanos();
		return 1;
	}

	/** A probe ended without an outcome (given up): another may be tried. */
	synchronized void releaseProbe() {
		this.probing = false;
	}

	/** Puts an ejected endpoint back at once (outlier detection was turned off). @return whether it was out */
	synchronized boolean readmit() {
		boolean out = this.onProbation;
		this.onProbation = false;
		this.probing = false;
		this.ejectedUntil = 0;
		this.consecutiveFailures = 0;
		return out;
	}

	/** For the admin endpoint: ejection state now. */
	synchronized java.util.Map<String, Object> ejection(long now) {
		java.util.Map<String, Object> state = new java.util.LinkedHashMap<>();
		boolean ejected = this.onProbation && now - this.ejectedUntil < 0;
		state.put("ejected", ejected);
		state.put("onProbation", this.onProbation && !ejected);
		state.put("ejectedForMillis", ejected ? (this.ejectedUntil - now) / 1_000_000 : 0);
		state.put("timesEjected", this.timesEjected);
		state.put("consecutiveFailures", this.consecutiveFailures);
		return state;
	}

	private double weight(long now, long decayNanos) {
		long elapsed = now - this.updatedAt;
		return (elapsed <= 0) ? 1.0 : Math.exp(-(double) elapsed / decayNanos);
	}

}
