package io.trellis.gateway.retry;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.trellis.core.policy.RetryPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTests {

	private final AtomicLong now = new AtomicLong(Duration.ofHours(1).toNanos());

	private final RetryBudget budget = new RetryBudget(this.now::get);

	@Test
	void allowsTheRatioOfRequestsPlusTheMinimumOverTheWindow() {
		RetryPolicy policy = policy(0.2, 1);
		for (int i = 0; i < 100; i++) {
			this.budget.deposit(policy);
		}
		int allowed = 0;
		while (this.budget.tryWithdraw(policy)) {
			allowed++;
		}
		// 20% of 100, plus 1 per second over the 10 s window.
		assertThat(allowed).isEqualTo(30);
		assertThat(this.budget.exhausted()).isEqualTo(1);
	}

	@Test
	void aQuietServiceStillHasTheMinimum() {
		RetryPolicy policy = policy(0.2, 10);
		int allowed = 0;
		while (this.budget.tryWithdraw(policy)) {
			allowed++;
		}
		assertThat(allowed).isEqualTo(100);
	}

	@Test
	void requestsAndRetriesLeaveTheWindow() {
		RetryPolicy policy = policy(0.5, 0);
		for (int i = 0; i < 10; i++) {
			this.budget.deposit(policy);
		}
		for (int i = 0; i < 5; i++) {
			assertThat(this.budget.tryWithdraw(policy)).isTrue();
		}
		assertThat(this.budget.tryWithdraw(policy)).isFalse();

		this.now.addAndGet(Duration.ofSeconds(11).toNanos());

		assertThat(this.budget.window(policy)).containsExactly(0, 0);
		assertThat(this.budget.tryWithdraw(policy)).isFalse();
		this.budget.deposit(policy);
		this.budget.deposit(policy);
		assertThat(this.budget.tryWithdraw(policy)).isTrue();
	}

	@Test
	void partOfTheWindowPassing() {
		RetryPolicy policy = policy(1.0, 0);
		for (int i = 0; i < 4; i++) {
			this.budget.deposit(policy);
		}
		this.now.addAndGet(Duration.ofSeconds(5).toNanos());
		for (int i = 0; i < 6; i++) {
			this.budget.deposit(policy);
		}
		assertThat(this.budget.window(policy)).containsExactly(10, 0);
		this.now.addAndGet(Duration.ofMillis(5500).toNanos());
		assertThat(this.budget.window(policy)).containsExactly(6, 0);
	}

	private static RetryPolicy policy(double ratio, int minPerSecond) {
		RetryPolicy defaults = RetryPolicy.DEFAULT;
		return new RetryPolicy(2, defaults.on(), Set.of(), null, defaults.backoffBase(), defaults.backoffMax(), ratio,
				minPerSecond, Duration.ofSeconds(10), defaults.bufferLimitBytes());
	}

}
