package io.trellis.gateway.limit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.trellis.core.policy.ConcurrencyLimit;
import io.trellis.core.policy.RateLimit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limiters' bookkeeping on a clock the test moves: token refill and Retry-After, per-caller
 * buckets, the concurrency limit's queue (order, cancellation, rejection), and the adaptive
 * limit shrinking when latency climbs.
 */
class LimitersTests {

	private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(100));

	@Test
	void tokenBucketAllowsTheBurstThenTheRateAndSaysWhenToComeBack() {
		InboundRateLimiter limiter = new InboundRateLimiter(this.now::get);
		limiter.configure(new RateLimit(true, 2, 3, false));
		for (int i = 0; i < 3; i++) {
			assertThat(limiter.tryAcquire("frontend")).isNull();
		}
		InboundRateLimiter.Rejection rejection = limiter.tryAcquire("billing");
		assertThat(rejection).isNotNull();
		// 2 tokens a second: the next one in 500 ms, so Retry-After 1.
		assertThat(rejection.waitNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
		assertThat(rejection.retryAfterSeconds()).isEqualTo(1);
		advance(Duration.ofMillis(500));
		assertThat(limiter.tryAcquire("frontend")).isNull();
		assertThat(limiter.tryAcquire("frontend")).isNotNull();
		// A long quiet spell refills only up to the burst.
		advance(Duration.ofMinutes(1));
		for (int i = 0; i < 3; i++) {
			assertThat(limiter.tryAcquire("frontend")).isNull();
		}
		assertThat(limiter.tryAcquire("frontend")).isNotNull();
	}

	@Test
	void slowRatesGiveRetryAfterInWholeSecondsRoundedUp() {
		InboundRateLimiter limiter = new InboundRateLimiter(this.now::get);
		limiter.configure(new RateLimit(true, 0.25, 1, false));
		assertThat(limiter.tryAcquire(null)).isNull();
		assertThat(limiter.tryAcquire(null).retryAfterSeconds()).isEqualTo(4);
		advance(Duration.ofMillis(3500));
		assertThat(limiter.tryAcquire(null).retryAfterSeconds()).isEqualTo(1);
	}

	@Test
	void perCallerBucketsAreSeparateAndANewPolicyStartsFullBucketsOnlyWhenTheLimitChanged() {
		InboundRateLimiter limiter = new InboundRateLimiter(this.now::get);
		RateLimit perCaller = new RateLimit(true, 1, 1, true);
		limiter.configure(perCaller);
		assertThat(limiter.tryAcquire("frontend")).isNull();
		assertThat(limiter.tryAcquire("frontend")).isNotNull();
		assertThat(limiter.tryAcquire("billing")).isNull();
		assertThat(limiter.tryAcquire(null)).isNull();
		assertThat(limiter.tryAcquire("")).isNotNull();
		assertThat(limiter.describe()).containsEntry("perCaller", true);
		// The same limit again (a new policy version with other changes) keeps the buckets.
		limiter.configure(new RateLimit(true, 1, 1, true));
		assertThat(limiter.tryAcquire("frontend")).isNotNull();
		limiter.configure(new RateLimit(true, 1, 2, true));
		assertThat(limiter.tryAcquire("frontend")).isNull();
		limiter.configure(RateLimit.DISABLED);
		for (int i = 0; i < 100; i++) {
			assertThat(limiter.tryAcquire("frontend")).isNull();
		}
		assertThat(limiter.describe()).containsEntry("enabled", false);
	}

	@Test
	void followsTheLocalServicesPolicyAsNewVersionsAreApplied() {
		AtomicReference<RateLimit> policy = new AtomicReference<>();
		InboundRateLimiter limiter = new InboundRateLimiter(policy::get, this.now::get);
		// No policy applied yet: nothing is limited.
		assertThat(limiter.tryAcquire("frontend")).isNull();
		assertThat(limiter.describe()).containsEntry("enabled", false);
		policy.set(new RateLimit(true, 1, 1, false));
		assertThat(limiter.describe()).containsEntry("enabled", true).containsEntry("burst", 1);
		assertThat(limiter.tryAcquire("frontend")).isNull();
		assertThat(limiter.tryAcquire("frontend")).isNotNull();
		policy.set(RateLimit.DISABLED);
		assertThat(limiter.tryAcquire("frontend")).isNull();
		assertThat(limiter.describe()).containsEntry("enabled", false);
	}

	@Test
	void callersBeyondTheTrackedNumberShareOneBucket() {
		InboundRateLimiter limiter = new InboundRateLimiter(this.now::get);
		limiter.configure(new RateLimit(true, 1, 1, true));
		for (int i = 0; i < InboundRateLimiter.MAX_CALLERS; i++) {
			assertThat(limiter.tryAcquire("caller-" + i)).isNull();
		}
		// Every bucket is empty, so none can be forgotten: newcomers share one.
		assertThat(limiter.tryAcquire("newcomer-1")).isNull();
		assertThat(limiter.tryAcquire("newcomer-2")).isNotNull();
		@SuppressWarnings("unchecked")
		java.util.Map<String, Object> tokens = (java.util.Map<String, Object>) limiter.describe().get("tokens");
		assertThat(tokens).hasSize(InboundRateLimiter.MAX_CALLERS + 1).containsKey(InboundRateLimiter.OTHER_CALLERS);
	}

	@Test
	void concurrencyLimitQueuesFirstComeFirstServedAndRejectsBeyondTheQueue() {
		ConcurrencyLimiter limiter = new ConcurrencyLimiters(this.now::get)
			.configure("orders", new ConcurrencyLimit(true, 2, 2, false, 1, 2));
		ConcurrencyLimiter.Permit first = limiter.tryAcquireNow();
		ConcurrencyLimiter.Permit second = limiter.tryAcquireNow();
		assertThat(first).isNotNull();
		assertThat(second).isNotNull();
		assertThat(limiter.tryAcquireNow()).isNull();
		AtomicReference<ConcurrencyLimiter.Permit> third = new AtomicReference<>();
		AtomicReference<ConcurrencyLimiter.Permit> fourth = new AtomicReference<>();
		limiter.acquire().subscribe(third::set);
		Disposable waiting = limiter.acquire().subscribe(fourth::set);
		assertThat(limiter.pending()).isEqualTo(2);
		AtomicReference<Boolean> rejected = new AtomicReference<>(false);
		limiter.acquire().switchIfEmpty(reactor.core.publisher.Mono.fromRunnable(() -> rejected.set(true)))
			.subscribe();
		assertThat(rejected.get()).isTrue();
		assertThat(limiter.describe()).containsEntry("rejected", 1L);

		// A waiting call that gives up leaves the queue.
		waiting.dispose();
		assertThat(limiter.pending()).isEqualTo(1);
		first.completed();
		assertThat(third.get()).isNotNull();
		assertThat(fourth.get()).isNull();
		assertThat(limiter.inFlight()).isEqualTo(2);
		// Releasing twice frees one slot only.
		first.completed();
		assertThat(limiter.inFlight()).isEqualTo(2);
		second.failed();
		third.get().completed();
		assertThat(limiter.inFlight()).isZero();
		assertThat(limiter.pending()).isZero();
	}

	@Test
	void sameSettingsKeepTheLimiterAndDisablingForgetsIt() {
		ConcurrencyLimiters limiters = new ConcurrencyLimiters(this.now::get);
		ConcurrencyLimit settings = new ConcurrencyLimit(true, 5, 0, false, 1, 5);
		ConcurrencyLimiter limiter = limiters.configure("orders", settings);
		assertThat(limiters.configure("orders", new ConcurrencyLimit(true, 5, 0, false, 1, 5))).isSameAs(limiter);
		assertThat(limiters.configure("orders", new ConcurrencyLimit(true, 6, 0, false, 1, 6))).isNotSameAs(limiter);
		assertThat(limiters.configure("orders", ConcurrencyLimit.DISABLED)).isNull();
		assertThat(limiters.get("orders")).isNull();
	}

	@Test
	void adaptiveLimitShrinksWhenLatencyClimbsAndNeverLeavesItsBounds() {
		ConcurrencyLimiter limiter = new ConcurrencyLimiters(this.now::get)
			.configure("orders", new ConcurrencyLimit(true, 100, 0, true, 4, 40));
		assertThat(limiter.currentLimit()).isEqualTo(40);
		// Calls filling the limit, answering in 10 ms: the limit grows.
		int steady = runAtTheLimit(limiter, Duration.ofMillis(10), 50)[1];
		assertThat(steady).isGreaterThan(40).isLessThanOrEqualTo(100);
		// Latency climbs to 200 ms: recent RTT far above the long-run RTT, and the limit falls
		// (Gradient2 then settles to the new latency as its long-run average catches up).
		int[] loaded = runAtTheLimit(limiter, Duration.ofMillis(200), 20);
		assertThat(loaded[0]).isLessThan(steady / 2).isGreaterThanOrEqualTo(4);
	}

	/**
	 * Rounds of calls that fill the limit, each taking {@code latency}.
	 * @return the lowest and the last limit seen
	 */
	private int[] runAtTheLimit(ConcurrencyLimiter limiter, Duration latency, int rounds) {
		int lowest = Integer.MAX_VALUE;
		for (int round = 0; round < rounds; round++) {
			int limit = limiter.currentLimit();
			java.util.List<ConcurrencyLimiter.Permit> permits = new java.util.ArrayList<>();
			for (int i = 0; i < limit; i++) {
				ConcurrencyLimiter.Permit permit = limiter.tryAcquireNow();
				if (permit != null) {
					permits.add(permit);
				}
			}
			advance(latency);
			permits.forEach(ConcurrencyLimiter.Permit::completed);
			lowest = Math.min(lowest, limiter.currentLimit());
		}
		return new int[] { lowest, limiter.currentLimit() };
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

}
