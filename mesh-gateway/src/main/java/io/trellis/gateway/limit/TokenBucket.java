package io.trellis.gateway.limit;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket refilled continuously: up to {@code burst} tokens, {@code ratePerSecond} more
 * each second. Thread-safe; no timer: tokens are added when a request looks.
 */
final class TokenBucket {

	private final double ratePerNano;

	private final double burst;

	private double tokens;

	private long refilledAt;

	TokenBucket(double ratePerSecond, int burst, long now) {
		this.ratePerNano = ratePerSecond / TimeUnit.SECONDS.toNanos(1);
		this.burst = burst;
		this.tokens = burst;
		this.refilledAt = now;
	}

	/**
	 * Takes a token if there is one.
	 * @param now {@link System#nanoTime()}
	 * @return 0 when a token was taken, else the nanoseconds until the next one
	 */
	synchronized long tryTake(long now) {
		refill(now);
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return 0;
		}
		return Math.max(1, (long) Math.ceil((1 - this.tokens) / this.ratePerNano));
	}

	/** Tokens there are now, for the admin endpoint. */
	synchronized double available(long now) {
		refill(now);
		return this.tokens;
	}

	/** Whether the bucket is full (an idle caller's bucket can be forgotten). */
	synchronized boolean full(long now) {
		refill(now);
		return this.tokens >= this.burst;
	}

	private void refill(long now) {
		long elapsed = now - this.refilledAt;
		if (elapsed > 0) {
			this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerNano);
			this.refilledAt = now;
		}
	}

}
