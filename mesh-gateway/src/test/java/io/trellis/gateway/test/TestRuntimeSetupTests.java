package io.trellis.gateway.test;

import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/** The safety nets the sidecar's tests rely on are really in place. */
class TestRuntimeSetupTests {

	@Test
	void blockingCallOnANonBlockingThreadFails() {
		StepVerifier.create(Mono.fromCallable(() -> {
			java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
			return "blocked";
		}).subscribeOn(Schedulers.parallel()))
			.expectErrorMatches((ex) -> ex.getClass().getName().equals("reactor.blockhound.BlockingOperationError"))
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void unreleasedBufferIsReportedAsALeak() {
		leak();
		try {
			assertThat(NettyLeaks.collect()).isNotEmpty();
		}
		finally {
			NettyLeaks.clear();
		}
	}

	private static void leak() {
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(64);
		buffer.writeInt(42);
	}

}
