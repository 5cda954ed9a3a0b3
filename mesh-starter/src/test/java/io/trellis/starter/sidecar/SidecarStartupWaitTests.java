package io.trellis.starter.sidecar;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.trellis.starter.app.ShopApplications;
import io.trellis.starter.autoconfigure.MeshAutoConfiguration;
import io.trellis.starter.standin.StandInAdminListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/** Startup waits for the sidecar, against a real stand-in for its admin listener. */
@ExtendWith(OutputCaptureExtension.class)
class SidecarStartupWaitTests {

	@AutoClose
	private StandInAdminListener admin;

	private final ExecutorService startupThread = Executors.newSingleThreadExecutor();

	@BeforeEach
	void startAdmin() throws IOException {
		this.admin = StandInAdminListener.start();
	}

	// Runs before @AutoClose closes the stand-in: an application still starting on this
	// thread, polling the stand-in, is stopped first.
	@AfterEach
	void stopStartupThread() throws InterruptedException {
		this.startupThread.shutdownNow();
		this.startupThread.awaitTermination(10, TimeUnit.SECONDS);
	}

	@ParameterizedTest
	@EnumSource(value = WebApplicationType.class, names = { "SERVLET", "REACTIVE" })
	void startupWaitsUntilSidecarReportsHealthy(WebApplicationType type) throws Exception {
		this.admin.healthStatus(503);
		int serverPort = StandInAdminListener.unusedPort();
		SpringApplicationBuilder application = ShopApplications.builder(type,
				"mesh.sidecar.admin-port=" + this.admin.port(), "mesh.sidecar.startup-timeout=30s",
				"server.port=" + serverPort);
		CompletableFuture<ConfigurableApplicationContext> started = CompletableFuture.supplyAsync(application::run,
				this.startupThread);
		try {
			// About a second of the sidecar saying "not yet" (checks are ~200 ms apart).
			await().atMost(Duration.ofSeconds(20)).until(() -> this.admin.healthChecks() >= 5);
			assertThat(started).isNotDone();
			// The application takes no traffic while it cannot make calls.
			assertThat(accepts(serverPort)).isFalse();
			this.admin.healthStatus(200);
			ConfigurableApplicationContext context = started.get(30, TimeUnit.SECONDS);
			try (context) {
				assertThat(context.isActive()).isTrue();
				assertThat(accepts(serverPort)).isTrue();
			}
		}
		finally {
			this.admin.healthStatus(200);
			closeWhenStarted(started);
		}
	}

	@Test
	void startupContinuesWithWarningWhenSidecarNeverAnswers(CapturedOutput output) throws IOException {
		int port = StandInAdminListener.unusedPort();
		long before = System.nanoTime();
		try (ConfigurableApplicationContext context = minimal("mesh.sidecar.admin-port=" + port,
				"mesh.sidecar.startup-timeout=1s")
			.run()) {
			assertThat(context.isActive()).isTrue();
		}
		assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
		assertThat(output).contains("WARN")
			.contains("Trellis sidecar at http://127.0.0.1:" + port + " did not report healthy on /actuator/health")
			.contains("continuing startup");
	}

	@Test
	void startupFailsNamingTheAddressWhenConfiguredTo(CapturedOutput output) throws IOException {
		int port = StandInAdminListener.unusedPort();
		SpringApplicationBuilder application = minimal("mesh.sidecar.admin-port=" + port,
				"mesh.sidecar.startup-timeout=1s", "mesh.sidecar.fail-on-startup-timeout=true");
		assertThatException().isThrownBy(application::run)
			.havingRootCause()
			.isInstanceOf(SidecarStartupTimeoutException.class)
			.withMessageContaining("Trellis sidecar at http://127.0.0.1:" + port)
			.withMessageContaining("mesh.sidecar.fail-on-startup-timeout=false");
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Trellis sidecar at http://127.0.0.1:" + port + " did not report healthy")
			.contains("set mesh.sidecar.fail-on-startup-timeout=false to start without it");
	}

	@Test
	void healthySidecarIsCheckedOnceAndNotWaitedFor(CapturedOutput output) {
		try (ConfigurableApplicationContext context = minimal("mesh.sidecar.admin-port=" + this.admin.port()).run()) {
			assertThat(this.admin.healthChecks()).isEqualTo(1);
		}
		assertThat(output).doesNotContain("Waiting up to");
	}

	@Test
	void zeroTimeoutDoesNotAskTheSidecarAtAll() {
		this.admin.healthStatus(503);
		try (ConfigurableApplicationContext context = minimal("mesh.sidecar.admin-port=" + this.admin.port(),
				"mesh.sidecar.startup-timeout=0")
			.run()) {
			assertThat(this.admin.healthChecks()).isZero();
		}
	}

	@Test
	void disabledMeshDoesNotAskTheSidecarAtAll() {
		this.admin.healthStatus(503);
		try (ConfigurableApplicationContext context = minimal("mesh.sidecar.admin-port=" + this.admin.port(),
				"mesh.enabled=false")
			.run()) {
			assertThat(this.admin.healthChecks()).isZero();
		}
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static SpringApplicationBuilder minimal(String... properties) {
		return new SpringApplicationBuilder(MinimalApplication.class).web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off")
			.properties(properties);
	}

	private static void closeWhenStarted(CompletableFuture<ConfigurableApplicationContext> started) {
		try {
			started.get(30, TimeUnit.SECONDS).close();
		}
		catch (Exception ex) {
			// Startup failed or never finished; the assertion above says why.
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(MeshAutoConfiguration.class)
	static class MinimalApplication {

	}

}
