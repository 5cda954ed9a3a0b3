package io.trellis.gateway.test;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

/**
 * Records every buffer leak Netty's detector reports while the tests run (level paranoid, set
 * by the build), so a test can fail on a leak instead of only logging it. Installed before
 * Netty creates its detectors by {@link TestRuntimeSetup}.
 */
public final class NettyLeaks {

	private static final List<String> LEAKS = new ArrayList<>();

	private NettyLeaks() {
	}

	static void install() {
		ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
	}

	/**
	 * Collects garbage so unreleased buffers are found, and returns the leaks reported so far.
	 */
	public static List<String> collect() {
		for (int i = 0; i < 5; i++) {
			System.gc();
			System.runFinalization();
			// The detector reports leaks it found when it next tracks a new resource.
			ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
			probe.release();
		}
		synchronized (LEAKS) {
			return new ArrayList<>(LEAKS);
		}
	}

	/** Forgets the leaks recorded so far. */
	public static void clear() {
		synchronized (LEAKS) {
			LEAKS.clear();
		}
	}

	private static void record(String leak) {
		synchronized (LEAKS) {
			LEAKS.add(leak);
		}
	}

	private static final class RecordingFactory extends ResourceLeakDetectorFactory {

		@Override
		@SuppressWarnings("deprecation")
		public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
				long maxActive) {
			return new RecordingDetector<>(resource, samplingInterval);
		}

	}

	private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

		RecordingDetector(Class<T> resource, int samplingInterval) {
			super(resource, samplingInterval);
		}

		@Override
		protected boolean needReport() {
			return true;
		}

		@Override
		protected void reportTracedLeak(String resourceType, String records) {
			record("LEAK of " + resourceType + ":" + records);
			super.reportTracedLeak(resourceType, records);
		}

		@Override
		protected void reportUntracedLeak(String resourceType) {
			record("LEAK of " + resourceType);
			super.reportUntracedLeak(resourceType);
		}

	}

}
