package io.trellis.gateway.retry;

import java.util.function.LongSupplier;

import io.trellis.core.policy.RetryPolicy;

/**
 * One destination service's retry budget, as Linkerd's and Finagle's: over a sliding window
 * (10 s by default) retries may add at most a share of the requests (20%) plus a fixed number
 * per second (10), so a service that fails every request sees at most about 1.2 times its
 * load from the callers' sidecars, and a quiet service can still have its occasional failure
 * retried. The window is counted in ten slots.
 */
public final class RetryBudget {

	private static final int SLOTS = 10;

	private final LongSupplier clock;

	private final long[] slotEpoch = new long[SLOTS];

	private final long[] requests = new long[SLOTS];

	private final long[] retries = new long[SLOTS];

	private long slotNanos;

	private long exhausted;

	public RetryBudget() {
		this(System::nanoTime);
	}

	RetryBudget(LongSupplier clock) {
		this.clock = clock;
	}

	/** Counts a request (a first try, not a retry). */
	public synchronized void deposit(RetryPolicy policy) {
		int slot = slot(policy);
		this.requests[slot]++;
	}

	/** Takes a retry from the budget. @return false when the budget is spent */
	public synchronized boolean tryWithdraw(RetryPolicy policy) {
		int slot = slot(policy);
		long requestsInWindow = 0;
		long retriesInWindow = 0;
		for (int i = 0; i < SLOTS; i++) {
			requestsInWindow += this.requests[i];
			retriesInWindow += this.retries[i];
		}
		double allowed = policy.budgetRatio() * requestsInWindow
				+ policy.budgetMinPerSecond() * (policy.budgetWindow().toNanos() / 1e9);
		if (retriesInWindow + 1 > allowed) {
			this.exhausted++;
			return false;
		}
		this.retries[slot]++;
		return true;
	}

	/** Retries refused since the start. */
	public synchronized long exhausted() {
		return this.exhausted;
	}

	/** Requests and retries in the window now. */
	public synchronized long[] window(RetryPolicy policy) {
		slot(policy);
		long requestsInWindow = 0;
		long retriesInWindow = 0;
		for (int i = 0; i < SLOTS; i++) {
			requestsInWindow += this.requests[i];
			retriesInWindow += this.retries[i];
		}
		return new long[] { requestsInWindow, retriesInWindow };
	}

	/** The slot of now, clearing the slots that fell out of the window. */
	private int slot(RetryPolicy policy) {
		long width = Math.max(1, policy.budgetWindow().toNanos() / SLOTS);
		if (width != this.slotNanos) {
			// A new window length: start counting afresh.
			this.slotNanos = width;
			java.util.Arrays.fill(this.slotEpoch, Long.MIN_VALUE);
			java.util.Arrays.fill(this.requests, 0);
			java.util.Arrays.fill(this.retries, 0);
		}
		long epoch = Math.floorDiv(this.clock.getAsLong(), width);
		int slot = (int) Math.floorMod(epoch, (long) SLOTS);
		if (this.slotEpoch[slot] != epoch) {
			this.slotEpoch[slot] = epoch;
			this.requests[slot] = 0;
			this.retries[slot] = 0;
		}
		// Slots whose epoch is older than the window are stale even if not reused yet.
		for (int i = 0; i < SLOTS; i++) {
			if (this.slotEpoch[i] != Long.MIN_VALUE && epoch - this.slotEpoch[i] >= SLOTS) {
				this.slotEpoch[i] = Long.MIN_VALUE;
				this.requests[i] = 0;
				this.retries[i] = 0;
			}
		}
		return slot;
	}

}
