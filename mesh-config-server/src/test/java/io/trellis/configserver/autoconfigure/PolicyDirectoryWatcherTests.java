package io.trellis.configserver.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PolicyDirectoryWatcherTests {

	@TempDir
	Path dir;

	@Test
	void aBurstOfWritesMakesOneScanAfterItGoesQuiet() throws Exception {
		AtomicInteger scans = new AtomicInteger();
		try (PolicyDirectoryWatcher watcher = PolicyDirectoryWatcher.start(List.of(this.dir), scans::incrementAndGet,
				Duration.ofMillis(300))) {
			assertThat(watcher).isNotNull();
			for (int i = 0; i < 5; i++) {
				Files.writeString(this.dir.resolve("orders.yml"), "mesh.policy.timeout: " + i + "s\n");
				Thread.sleep(20);
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> scans.get() == 1);
			Thread.sleep(600);
			assertThat(scans.get()).isEqualTo(1);

			Files.delete(this.dir.resolve("orders.yml"));
			await().atMost(Duration.ofSeconds(5)).until(() -> scans.get() == 2);
		}
	}

	@Test
	void noDirectoriesNoWatcher() {
		assertThat(PolicyDirectoryWatcher.start(List.of(), () -> {
		}, Duration.ofMillis(20))).isNull();
	}

	@Test
	void closingStopsTheThread() throws Exception {
		PolicyDirectoryWatcher watcher = PolicyDirectoryWatcher.start(List.of(this.dir), () -> {
		}, Duration.ofMillis(20));
		assertThat(watcher).isNotNull();
		watcher.close();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> Thread.getAllStackTraces().keySet().stream()
				.noneMatch((thread) -> thread.getName().equals("trellis-policy-watch") && thread.isAlive()));
	}

}
