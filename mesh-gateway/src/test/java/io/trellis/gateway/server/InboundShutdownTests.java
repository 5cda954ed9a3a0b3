package io.trellis.gateway.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.trellis.gateway.SidecarApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

class InboundShutdownTests {

	@Test
	void stoppingTheSidecarWaitsForRequestsInFlightOnTheInboundListener(@TempDir Path dir) throws Exception {
		CountDownLatch arrived = new CountDownLatch(1);
		DisposableServer app = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			arrived.countDown();
			return response.sendString(Mono.delay(Duration.ofSeconds(4)).thenReturn("done"));
		}).bindNow();
		// The caller is another process in a mesh: its connection must not share the event loops
		// (Reactor Netty's global ones) that the sidecar's context disposes when it closes.
		LoopResources callerLoops = LoopResources.create("caller", 1, true);
		ConnectionProvider callerConnections = ConnectionProvider.newConnection();
		ConfigurableApplicationContext sidecar = null;
		try {
			sidecar = new SpringApplicationBuilder(SidecarApplication.class).run("--mesh.proxy.service=orders",
					"--mesh.proxy.app.port=" + app.port(), "--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0",
					"--mesh.proxy.admin.port=" + freePort(), "--mesh.proxy.state-file=" + dir.resolve("state.json"),
					"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + freePort());
			int inbound = sidecar.getBean(InboundServer.class).getPort();
			Mono<String> call = HttpClient.create(callerConnections)
				.runOn(callerLoops)
				.headers((headers) -> headers.set("Host", "orders"))
				.get()
				.uri("http://127.0.0.1:" + inbound + "/slow")
				.responseSingle((response, body) -> body.asString().map((text) -> response.status().code() + " " + text))
				.cache();
			call.subscribe();
			assertThat(arrived.await(10, TimeUnit.SECONDS)).as("request reached the app").isTrue();
			sidecar.close();
			sidecar = null;
			long closed = System.nanoTime();
			assertThat(call.block(Duration.ofSeconds(10))).isEqualTo("200 done");
			// The stop waited for the answer: it arrives right after, not seconds later or never.
			assertThat(Duration.ofNanos(System.nanoTime() - closed)).isLessThan(Duration.ofMillis(300));
		}
		finally {
			if (sidecar != null) {
				sidecar.close();
			}
			app.disposeNow();
			callerConnections.dispose();
			callerLoops.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
