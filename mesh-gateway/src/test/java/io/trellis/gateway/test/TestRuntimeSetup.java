package io.trellis.gateway.test;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;

/**
 * Runs once before any test class loads: installs Netty leak recording and BlockHound, so
 * every test of the sidecar fails on a blocking call on an event loop.
 */
public class TestRuntimeSetup implements LauncherSessionListener {

	private static volatile boolean installed;

	@Override
	public void launcherSessionOpened(LauncherSession session) {
		install();
	}

	static synchronized void install() {
		if (installed) {
			return;
		}
		NettyLeaks.install();
		// Also loads the integrations libraries ship (Reactor, Spring Cloud Gateway).
		BlockHound.install((builder) -> builder
			// Console logging writes synchronously; tests log far more than production does.
			.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
			.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend")
			// Netty 4.2's adaptive allocator, when its magazines are contended (tests run many
			// clients and servers on shared event loops), adds magazines and retires old ones under
			// the old one's StampedLock, which may park an event loop for a moment. Netty's own
			// BlockHound integration does not list it yet; a known false positive
			// (line/armeria#6344). Seen once in CI on 2026-11-24.
			.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines"));
		installed = true;
	}

}
