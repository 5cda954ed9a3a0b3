package io.trellis.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

class ScraperTests {

	@Test
	void scrapesEachListenerEveryIntervalAndCountsWhatFailed() throws Exception {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		AtomicInteger served = new AtomicInteger();
		byte[] body = ("# TYPE trellis_event_loop_lag_seconds_max gauge\ntrellis_event_loop_lag_seconds_max 0.0125\n"
				+ "x".repeat(4096)).getBytes(StandardCharsets.US_ASCII);
		server.createContext("/actuator/prometheus", (exchange) -> {
			served.incrementAndGet();
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		server.start();
		int closed = closedPort();
		try {
			Scraper scraper = new Scraper(List.of("http://127.0.0.1:" + server.getAddress().getPort()
					+ "/actuator/prometheus", "http://127.0.0.1:" + closed + "/actuator/prometheus"),
					Duration.ofMillis(100));
			long start = System.nanoTime();
			try (scraper) {
				await().atMost(Duration.ofSeconds(20)).until(() -> served.get() >= 5 && scraper.failures() >= 5);
			}
			long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
			// closed: the round under way has finished
			String summary = scraper.summary();
			// A round every 100 ms at most, each scraping both listeners, one of which refuses.
			assertThat(served.get()).isBetween(5, (int) (elapsedMillis / 100) + 1);
			assertThat(summary).startsWith(served.get() + " scrapes of 2 admin listeners (about 4 KiB each")
				.contains(", " + served.get() + " failed")
				.contains(String.valueOf(closed));
			assertThat(scraper.maxLagMillis()).isEqualTo(12.5);
		}
		finally {
			server.stop(0);
		}
	}

	@Test
	void noLagIsReportedWhereNoSidecarReportedOne() throws Exception {
		Scraper scraper = new Scraper(List.of("http://127.0.0.1:" + closedPort() + "/"), Duration.ofMillis(50));
		try (scraper) {
			await().atMost(Duration.ofSeconds(20)).until(() -> scraper.failures() > 0);
		}
		assertThat(scraper.maxLagMillis()).isNegative();
		assertThat(scraper.failures()).isPositive();
	}

	@Test
	void anIntervalThatIsNotPositiveIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Scraper(List.of("http://127.0.0.1:1/"), Duration.ZERO))
			.withMessageContaining("scrape interval");
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
