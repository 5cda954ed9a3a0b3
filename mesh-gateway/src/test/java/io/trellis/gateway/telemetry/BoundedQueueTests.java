package io.trellis.gateway.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BoundedQueueTests {

	@Test
	void holdsAtMostItsCapacityInOrder() {
		BoundedQueue<Integer> queue = new BoundedQueue<>(3);
		assertThat(queue.offer(1)).isTrue();
		assertThat(queue.offer(2)).isTrue();
		assertThat(queue.offer(3)).isTrue();
		assertThat(queue.offer(4)).as("full").isFalse();
		assertThat(queue.poll()).isEqualTo(1);
		assertThat(queue.offer(5)).isTrue();
		List<Integer> drained = new ArrayList<>();
		assertThat(queue.drainTo(drained, 2)).isEqualTo(2);
		assertThat(drained).containsExactly(2, 3);
		assertThat(queue.size()).isEqualTo(1);
		assertThat(queue.clear()).isEqualTo(1);
		assertThat(queue.isEmpty()).isTrue();
		assertThat(queue.poll()).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> new BoundedQueue<>(0)).withMessageContaining("0");
	}

	@Test
	void manyThreadsOfferWhileOneDrainsAndNothingIsLostOrOverTheBound() throws InterruptedException {
		BoundedQueue<Long> queue = new BoundedQueue<>(64);
		int producers = 4;
		int each = 20_000;
		AtomicLong accepted = new AtomicLong();
		AtomicInteger overBound = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(producers);
		for (int p = 0; p < producers; p++) {
			Thread producer = new Thread(() -> {
				for (int i = 0; i < each; i++) {
					if (queue.offer((long) i)) {
						accepted.incrementAndGet();
					}
					if (queue.size() > 64) {
						overBound.incrementAndGet();
					}
				}
				done.countDown();
			});
			producer.setDaemon(true);
			producer.start();
		}
		long drained = 0;
		List<Long> batch = new ArrayList<>();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while ((done.getCount() > 0 || !queue.isEmpty()) && System.nanoTime() < deadline) {
			drained += queue.drainTo(batch, 16);
			batch.clear();
		}
		assertThat(done.await(1, TimeUnit.SECONDS)).as("producers finished").isTrue();
		drained += queue.drainTo(batch, Integer.MAX_VALUE);
		assertThat(drained).isEqualTo(accepted.get()).isPositive();
		assertThat(overBound.get()).isZero();
		assertThat(queue.size()).isZero();
	}

}
