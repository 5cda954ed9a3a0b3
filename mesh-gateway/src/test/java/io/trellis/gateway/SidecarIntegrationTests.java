package io.trellis.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.binder.logging.LogbackMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.trellis.gateway.autoconfigure.SidecarAutoConfiguration;
import io.trellis.gateway.controlplane.StateStore;
import io.trellis.gateway.route.GrpcRequestHeadersFilter;
import io.trellis.gateway.route.HopByHopHeadersFilter;
import io.trellis.gateway.route.MeshRouteToRequestUrlFilter;
import io.trellis.gateway.route.MeshRoutingFilter;
import io.trellis.gateway.route.MeshWriteResponseFilter;
import io.trellis.gateway.route.MeshRoutePredicateHandlerMapping;
import io.trellis.gateway.server.AdminServer;
import io.trellis.gateway.server.ControlLoop;
import io.trellis.gateway.server.InboundServer;
import io.trellis.gateway.test.NettyLeaks;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.framework.autoproxy.AbstractAutoProxyCreator;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.webflux.actuate.endpoint.web.WebFluxEndpointHandlerMapping;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.context.scope.GenericScope;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.AdaptCachedBodyGlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.filter.RemoveCachedBodyFilter;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.client.RestClient;

import static io.trellis.gateway.test.SidecarFixtures.endpoint;
import static io.trellis.gateway.test.SidecarFixtures.freePort;
import static io.trellis.gateway.test.SidecarFixtures.source;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar in this JVM on real ports, with real Reactor Netty servers as its local app and
 * as the destinations' sidecars, and no control plane at all: it starts from its state file
 * (fail static) and answers what it cannot know with mesh errors. BlockHound and Netty leak
 * detection watch every request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SidecarIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private DisposableServer app;

	private DisposableServer ordersV1;

	private DisposableServer ordersV2;

	private DisposableServer slow;

	private DisposableServer store;

	private ConfigurableApplicationContext sidecar;

	private int outbound;

	private int inbound;

	private int admin;

	private int closedPort;

	@BeforeAll
	void start(@TempDir Path dir) throws IOException {
		this.app = echo("frontend-app", Duration.ZERO);
		this.ordersV1 = echo("orders-v1", Duration.ZERO);
		this.ordersV2 = echo("orders-v2", Duration.ZERO);
		this.slow = echo("slow", Duration.ofSeconds(3));
		this.store = store();
		this.closedPort = freePort();
		Path stateFile = dir.resolve("state.json");
		new StateStore(stateFile, JSON).save(new StateStore.State(StateStore.FORMAT, "frontend", Instant.now(), Map.of(
				"orders", new StateStore.ServiceState("orders-1", List.of(source("orders.yml", """
						mesh.policy.subsets.v1.version=v1
						mesh.policy.subsets.v2.version=v2
						mesh.policy.subsets.v3.version=v3
						mesh.policy.routes[0].match.headers.x-canary=true
						mesh.policy.routes[0].to[0].subset=v2
						mesh.policy.routes[1].match.headers.x-dark=true
						mesh.policy.routes[1].to[0].subset=v3
						mesh.policy.routes[2].to[0].subset=v1
						""")), 3, List.of(endpoint("o1", this.ordersV1.port(), "v1"), endpoint("o2", this.ordersV2.port(), "v2"))),
				"slow", new StateStore.ServiceState("slow-1", List.of(source("slow.yml", "mesh.policy.timeout=300ms\n")), 1,
						List.of(endpoint("s1", this.slow.port(), "v1"))),
				"silent", new StateStore.ServiceState("silent-1", List.of(), 1,
						List.of(endpoint("x1", this.closedPort, "v1"))),
				"store", new StateStore.ServiceState("store-1", List.of(), 1,
						List.of(endpoint("st1", this.store.port(), "v1"))))));
		this.admin = freePort();
		this.sidecar = new SpringApplicationBuilder(SidecarApplication.class).run("--mesh.proxy.service=frontend",
				"--mesh.proxy.app.port=" + this.app.port(), "--mesh.proxy.app.readiness-path=/ready",
				"--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0", "--mesh.proxy.admin.port=" + this.admin,
				"--mesh.proxy.state-file=" + stateFile,
				"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + this.closedPort,
				"--mesh.proxy.control-plane.request-timeout=1s", "--mesh.proxy.watchdog.stuck-after=1s");
		this.outbound = ((WebServerApplicationContext) this.sidecar).getWebServer().getPort();
		this.inbound = this.sidecar.getBean(InboundServer.class).getPort();
	}

	@AfterAll
	void stop() {
		if (this.sidecar != null) {
			this.sidecar.close();
		}
		for (DisposableServer server : new DisposableServer[] { this.app, this.ordersV1, this.ordersV2, this.slow,
				this.store }) {
			if (server != null) {
				server.disposeNow();
			}
		}
		assertThat(NettyLeaks.collect()).as("Netty buffer leaks").isEmpty();
	}

	@Test
	void makesNoneOfTheBeansItsDefaultsLeaveOutForAQuickStart() {
		// application.properties switches these off; each costs start time and memory, none is used.
		assertThat(this.sidecar.getBeansOfType(GatewayFilterFactory.class)).isEmpty();
		assertThat(this.sidecar.getBeansOfType(RoutePredicateFactory.class)).isEmpty();
		assertThat(this.sidecar.getBeanNamesForType(GenericScope.class)).isEmpty();
		assertThat(this.sidecar.getBeanNamesForType(AbstractAutoProxyCreator.class)).isEmpty();
		assertThat(this.sidecar.getBeanNamesForType(RestClient.Builder.class)).isEmpty();
		assertThat(this.sidecar.containsBean("compositeCompatibilityVerifier")).isFalse();
		assertThat(this.sidecar.getBeanNamesForType(LogbackMetrics.class)).isEmpty();
		// No cached request bodies, so not the two global filters that ran for every request.
		assertThat(this.sidecar.getBeanNamesForType(AdaptCachedBodyGlobalFilter.class)).isEmpty();
		assertThat(this.sidecar.getBeanNamesForType(RemoveCachedBodyFilter.class)).isEmpty();
		// ...while the gateway itself is whole: it routed the other tests' requests.
		assertThat(this.sidecar.getBeanNamesForType(RouteLocator.class)).isNotEmpty();
	}

	@Test
	void setsTheUpstreamConnectTimeoutOnTheClientNotOnEveryRequest() {
		// With the gateway's connect-timeout property set, NettyRoutingFilter copies the client's
		// configuration for every request to set the option again.
		assertThat(this.sidecar.getBean(HttpClientProperties.class).getConnectTimeout()).isNull();
		Object connectTimeout = this.sidecar.getBean(HttpClient.class)
			.configuration()
			.options()
			.get(ChannelOption.CONNECT_TIMEOUT_MILLIS);
		assertThat(connectTimeout).isEqualTo(SidecarAutoConfiguration.UPSTREAM_CONNECT_TIMEOUT_MILLIS);
	}

	@Test
	void startsFromItsStateFileAndRoutesWhileTheControlPlaneIsDown() {
		Response response = call(this.outbound, "/items?id=1", Map.of("Host", "orders"));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("app").asString()).isEqualTo("orders-v1");
		assertThat(response.json().get("headers").get("x-trellis-source").asString()).isEqualTo("frontend");
		assertThat(response.json().get("headers").get("host").asString()).isEqualTo("orders");
		assertThat(response.json().get("path").asString()).isEqualTo("/items?id=1");

		JsonNode mesh = call(this.admin, "/actuator/mesh", Map.of()).json();
		assertThat(mesh.get("controlPlane").get("connected").asBoolean()).isFalse();
		assertThat(mesh.get("policies").get("orders").get("version").asString()).isEqualTo("orders-1");
		assertThat(mesh.get("policies").get("orders").get("restoredFromStateFile").asBoolean()).isTrue();
		assertThat(mesh.get("endpoints").get("orders").get("instances").size()).isEqualTo(2);
	}

	@Test
	void headerRouteSendsMarkedRequestsToItsSubset() {
		for (int i = 0; i < 10; i++) {
			assertThat(call(this.outbound, "/", Map.of("Host", "orders", "x-canary", "true")).json().get("app").asString())
				.isEqualTo("orders-v2");
			assertThat(call(this.outbound, "/", Map.of("Host", "orders")).json().get("app").asString())
				.isEqualTo("orders-v1");
		}
	}

	@Test
	void subsetWithoutEndpointsIsNoEndpointsNamingTheSubset() {
		Response response = call(this.outbound, "/", Map.of("Host", "orders", "x-dark", "true"));
		assertThat(response.status()).isEqualTo(503);
		assertThat(response.header("x-trellis-error")).isEqualTo("no-endpoints");
		assertThat(response.body()).contains("v3");
	}

	@Test
	void serviceNeverSeenWhileTheControlPlaneIsDownIsDiscoveryUnavailable() {
		Response response = call(this.outbound, "/", Map.of("Host", "catalog"));
		assertThat(response.status()).isEqualTo(503);
		assertThat(response.header("x-trellis-error")).isEqualTo("discovery-unavailable");
		assertThat(response.json().get("service").asString()).isEqualTo("catalog");
	}

	@Test
	void endpointThatRefusesConnectionsIsUpstreamUnavailable() {
		Response response = call(this.outbound, "/", Map.of("Host", "silent"));
		assertThat(response.status()).isEqualTo(502);
		assertThat(response.header("x-trellis-error")).isEqualTo("upstream-unavailable");
	}

	@Test
	void callSlowerThanThePolicyTimeoutIsUpstreamTimeout() {
		long start = System.nanoTime();
		Response response = call(this.outbound, "/", Map.of("Host", "slow"));
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		assertThat(response.status()).isEqualTo(504);
		assertThat(response.header("x-trellis-error")).isEqualTo("upstream-timeout");
		assertThat(took).isLessThan(Duration.ofMillis(2000));
	}

	@Test
	void inboundForwardsToTheLocalAppWithHostAndSourceIntact() {
		Response response = call(this.inbound, "/hello?x=1",
				Map.of("Host", "frontend", "x-trellis-source", "orders", "x-trellis-destination", "ignored"));
		assertThat(response.status()).isEqualTo(200);
		JsonNode echo = response.json();
		assertThat(echo.get("app").asString()).isEqualTo("frontend-app");
		assertThat(echo.get("path").asString()).isEqualTo("/hello?x=1");
		assertThat(echo.get("headers").get("host").asString()).isEqualTo("frontend");
		assertThat(echo.get("headers").get("x-trellis-source").asString()).isEqualTo("orders");
		assertThat(echo.get("headers").has("x-trellis-destination")).isFalse();
	}

	@Test
	void anOutboundCallCarriesTheMeshHeadersInPlaceOfTheAppsAndWhatIsLeftOfItsDeadline() {
		// No hop-by-hop header: the request's own headers are edited, not a copy of them.
		JsonNode upstream = call(this.outbound, "/",
				Map.of("Host", "orders", "x-trellis-destination", "orders", "Proxy-Connection", "keep-alive",
						"x-trellis-source", "spoofed", "x-trellis-timeout-ms", "5000", "grpc-timeout", "4S"))
			.json()
			.get("headers");
		assertThat(upstream.has("x-trellis-destination")).isFalse();
		assertThat(upstream.has("proxy-connection")).isFalse();
		assertThat(upstream.get("x-trellis-source").asString()).isEqualTo("frontend");
		assertThat(upstream.get("x-trellis-source-instance").asString()).isNotBlank();
		assertThat(Long.parseLong(upstream.get("x-trellis-timeout-ms").asString())).isBetween(1L, 4000L);
		String grpcTimeout = upstream.get("grpc-timeout").asString();
		assertThat(grpcTimeout).endsWith("m");
		assertThat(Long.parseLong(grpcTimeout.substring(0, grpcTimeout.length() - 1))).isBetween(1L, 4000L);
	}

	@Test
	void hopByHopHeadersStopAtTheSidecarBothWays() {
		HttpHeaders received = new DefaultHttpHeaders();
		String body = HttpClient.create()
			.headers((h) -> h.set("Host", "orders")
				.set("Connection", "keep-alive, x-hop")
				.set("x-hop", "secret")
				.set("Keep-Alive", "timeout=5")
				.set("Proxy-Authorization", "Basic eA==")
				.set("x-kept", "yes")
				.set("x-echo-hop", "true"))
			.get()
			.uri("http://127.0.0.1:" + this.outbound + "/")
			.responseSingle((response, content) -> {
				received.set(response.responseHeaders());
				return content.asString();
			})
			.block(Duration.ofSeconds(15));
		JsonNode upstream = JSON.readTree(body).get("headers");
		assertThat(upstream.has("x-kept")).isTrue();
		assertThat(upstream.has("x-hop")).as("listed in Connection").isFalse();
		assertThat(upstream.has("keep-alive")).isFalse();
		assertThat(upstream.has("proxy-authorization")).isFalse();
		assertThat(received.get("x-resp-kept")).isEqualTo("yes");
		assertThat(received.contains("x-resp-hop")).as("listed in the upstream's Connection").isFalse();
	}

	@Test
	void theSidecarsOwnCallsRunOnItsControlThreadNotOnTheEventLoopThatProxies() {
		// Readiness checks of the app (every second) and calls to the control plane (here refused)
		// have begun since the start; the control thread exists only once something ran on it.
		Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces()
			.keySet()
			.stream()
			.map(Thread::getName)
			.filter((name) -> name.startsWith(ControlLoop.THREAD_PREFIX))).isNotEmpty());
		assertThat(this.sidecar.getBean(ControlLoop.class)).isNotNull();
	}

	@Test
	void theAdminListenerAnswersWhileTheEventLoopThatProxiesIsBusyAndLivenessBreaksWhileItIsStuck() throws Exception {
		// Every event loop that serves the traffic held, as a blocking call in a filter would hold
		// it; the admin listener, on the control thread, still answers probes and scrapes, and the
		// watchdog (stuck-after 1 s here) reports liveness broken until the loops run again.
		EventLoopGroup traffic = this.sidecar.getBean(ReactorResourceFactory.class).getLoopResources().onServer(true);
		List<EventExecutor> loops = new ArrayList<>();
		traffic.forEach(loops::add);
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch held = new CountDownLatch(loops.size());
		for (EventExecutor loop : loops) {
			loop.execute(() -> {
				// Busy, not waiting: BlockHound refuses a blocking wait on an event loop.
				held.countDown();
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
				while (release.getCount() > 0 && System.nanoTime() < deadline) {
					// busy (BlockHound counts even Thread.onSpinWait as blocking)
				}
			});
		}
		// The test's own client on a loop of its own: the global one is the sidecar's.
		LoopResources own = LoopResources.create("admin-test", 1, true);
		try {
			assertThat(held.await(10, TimeUnit.SECONDS)).as("every traffic event loop held").isTrue();
			HttpClient client = HttpClient.create(ConnectionProvider.newConnection()).runOn(own);
			for (String path : List.of("/actuator/prometheus", "/actuator/mesh")) {
				assertThat(status(client, path)).as(path).isEqualTo(200);
			}
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(status(client, "/actuator/health/liveness")).isEqualTo(503));
			assertThat(status(client, "/actuator/prometheus")).isEqualTo(200);
			release.countDown();
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(status(client, "/actuator/health/liveness")).isEqualTo(200));
			String metrics = client.get()
				.uri("http://127.0.0.1:" + this.admin + "/actuator/prometheus")
				.responseSingle((response, body) -> body.asString())
				.block(Duration.ofSeconds(5));
			assertThat(metrics).contains("trellis_event_loop_lag_seconds_max");
		}
		finally {
			release.countDown();
			own.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
		}
		// and the traffic's loops are free again
		assertThat(call(this.outbound, "/items", Map.of("Host", "orders")).status()).isEqualTo(200);
	}

	private Integer status(HttpClient client, String path) {
		return client.get()
			.uri("http://127.0.0.1:" + this.admin + path)
			.responseSingle((response, body) -> body.asString().then(Mono.just(response.status().code())))
			.block(Duration.ofSeconds(5));
	}

	@Test
	void gatewaysCopyingFiltersAreReplacedByTheSidecars() {
		assertThat(this.sidecar.getBean("removeHopByHopHeadersFilter")).isInstanceOf(HopByHopHeadersFilter.class);
		assertThat(this.sidecar.getBean("gRPCRequestHeadersFilter")).isInstanceOf(GrpcRequestHeadersFilter.class);
		assertThat(this.sidecar.getBean("routeToRequestUrlFilter")).isInstanceOf(MeshRouteToRequestUrlFilter.class);
		assertThat(this.sidecar.getBean("routingFilter")).isInstanceOf(MeshRoutingFilter.class);
		assertThat(this.sidecar.getBean("nettyWriteResponseFilter")).isInstanceOf(MeshWriteResponseFilter.class);
		assertThat(this.sidecar.getBeanNamesForType(NettyWriteResponseFilter.class))
			.containsExactly("nettyWriteResponseFilter");
		assertThat(this.sidecar.getBeanNamesForType(RouteToRequestUrlFilter.class)).containsExactly("routeToRequestUrlFilter");
		assertThat(this.sidecar.getBeanNamesForType(NettyRoutingFilter.class)).containsExactly("routingFilter");
	}

	@Test
	void requestBodiesReachTheUpstreamWithTheirOwnFraming() {
		HttpClient client = HttpClient.create().headers((h) -> h.set("Host", "store"));
		String sized = client.headers((h) -> h.set("Content-Length", "12"))
			.post()
			.uri("http://127.0.0.1:" + this.outbound + "/upload")
			.send(ByteBufFlux.fromString(Mono.just("hello, store")))
			.responseSingle((response, body) -> body.asString())
			.block(Duration.ofSeconds(15));
		assertThat(sized).isEqualTo("len=12;te=none;body=hello, store");
		String chunked = client.post()
			.uri("http://127.0.0.1:" + this.outbound + "/upload")
			.send(ByteBufFlux.fromString(Flux.just("first ", "second")))
			.responseSingle((response, body) -> body.asString())
			.block(Duration.ofSeconds(15));
		assertThat(chunked).isEqualTo("len=none;te=chunked;body=first second");
	}

	@Test
	void anUnusualResponsePassesWithItsStatusRepeatedHeadersAndChunkedBody() {
		Map<String, Object> received = HttpClient.create()
			.headers((h) -> h.set("Host", "store"))
			.get()
			.uri("http://127.0.0.1:" + this.outbound + "/cookies")
			.responseSingle((response, body) -> body.asString().map((text) -> Map.<String, Object>of("status",
					response.status().code(), "cookies", response.responseHeaders().getAll("set-cookie"), "mixed",
					String.valueOf(response.responseHeaders().get("x-mixed-case")), "chunked",
					response.responseHeaders().contains("transfer-encoding", "chunked", true), "length",
					String.valueOf(response.responseHeaders().get("content-length")), "body", text)))
			.block(Duration.ofSeconds(15));
		assertThat(received).containsEntry("status", 299)
			.containsEntry("cookies", List.of("a=1", "b=2"))
			.containsEntry("mixed", "Yes")
			.containsEntry("chunked", true)
			.containsEntry("length", "null")
			.containsEntry("body", "part one, part two");
	}

	@Test
	void bodiesOfEveryLengthPassIntactWrittenWholeOrStreamed() {
		HttpClient client = HttpClient.create().headers((h) -> h.set("Host", "store"));
		int limit = MeshWriteResponseFilter.WHOLE_BODY_LIMIT;
		for (int bytes : new int[] { 1, 1000, 1024, limit - 1, limit, limit + 1, 200_000 }) {
			List<String> received = client.get()
				.uri("http://127.0.0.1:" + this.outbound + "/sized/" + bytes)
				.responseSingle((response, body) -> body.asString()
					.defaultIfEmpty("")
					.map((text) -> List.of(String.valueOf(response.status().code()),
							String.valueOf(response.responseHeaders().get("content-length")),
							String.valueOf(response.responseHeaders().contains("transfer-encoding")), text)))
				.block(Duration.ofSeconds(15));
			assertThat(received).as(bytes + " bytes")
				.containsExactly("200", String.valueOf(bytes), "false", pattern(bytes));
		}
		List<String> head = client.head()
			.uri("http://127.0.0.1:" + this.outbound + "/sized/1024")
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((text) -> List.of(String.valueOf(response.status().code()),
						String.valueOf(response.responseHeaders().get("content-length")), text)))
			.block(Duration.ofSeconds(15));
		assertThat(head).containsExactly("200", "1024", "");
	}

	@Test
	void aSmallBodyArrivingInPiecesIsWrittenWholeAndIntact() {
		HttpClient client = HttpClient.create().headers((h) -> h.set("Host", "store"));
		for (int bytes : new int[] { 2500, MeshWriteResponseFilter.WHOLE_BODY_LIMIT }) {
			List<String> received = client.get()
				.uri("http://127.0.0.1:" + this.outbound + "/trickle/" + bytes)
				.responseSingle((response, body) -> body.asString()
					.defaultIfEmpty("")
					.map((text) -> List.of(String.valueOf(response.status().code()),
							String.valueOf(response.responseHeaders().get("content-length")), text)))
				.block(Duration.ofSeconds(15));
			assertThat(received).as(bytes + " bytes in pieces of 1000")
				.containsExactly("200", String.valueOf(bytes), pattern(bytes));
		}
	}

	@Test
	void anUpstreamThatClosesBeforeASmallBodyIsWholeFailsTheCallInsteadOfTruncatingIt() {
		List<String> received = HttpClient.create()
			.headers((h) -> h.set("Host", "store"))
			.get()
			.uri("http://127.0.0.1:" + this.outbound + "/cut/4000")
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((text) -> List.of(String.valueOf(response.status().code()), text)))
			.onErrorResume((ex) -> Mono.just(List.of("closed", ex.getClass().getSimpleName())))
			.block(Duration.ofSeconds(15));
		assertThat(received.get(0)).as("the status the caller saw: %s", received).isEqualTo("502");
	}

	@Test
	void requestWithoutHopByHopHeadersReachesUpstreamWithAllItsHeaders() {
		JsonNode upstream = call(this.outbound, "/", Map.of("Host", "orders", "x-one", "1", "x-two", "2")).json()
			.get("headers");
		assertThat(upstream.get("x-one").asString()).isEqualTo("1");
		assertThat(upstream.get("x-two").asString()).isEqualTo("2");
		assertThat(upstream.get("x-trellis-source").asString()).isEqualTo("frontend");
	}

	@Test
	void theCallersUserAgentAndAcceptReachTheUpstreamInsteadOfTheClientsDefaults() {
		JsonNode upstream = call(this.outbound, "/",
				Map.of("Host", "orders", "User-Agent", "orders-app/2.1", "Accept", "application/json")).json()
			.get("headers");
		assertThat(upstream.get("user-agent").asString()).isEqualTo("orders-app/2.1");
		assertThat(upstream.get("accept").asString()).isEqualTo("application/json");
		assertThat(upstream.get("host").asString()).as("the caller's, which an outbound call keeps, once")
			.isEqualTo("orders");
	}

	@Test
	void theUpstreamsTrailersReachTheCaller() {
		String trailers = HttpClient.create()
			.headers((h) -> h.set("Host", "store").set("TE", "trailers"))
			.get()
			.uri("http://127.0.0.1:" + this.outbound + "/trailers")
			.response((response, body) -> body.aggregate()
				.asString()
				.zipWith(response.trailerHeaders(), (text, received) -> text + "|" + received.get("x-checksum")))
			.blockLast(Duration.ofSeconds(15));
		assertThat(trailers).isEqualTo("part one, part two|ab12");
	}

	@Test
	void grpcRequestCarriesTeTrailersUpstreamAndOthersDoNot() {
		JsonNode grpc = call(this.outbound, "/", Map.of("Host", "orders", "Content-Type", "application/grpc")).json()
			.get("headers");
		assertThat(grpc.get("te").asString()).isEqualTo("trailers");
		JsonNode plain = call(this.outbound, "/", Map.of("Host", "orders", "TE", "gzip")).json().get("headers");
		assertThat(plain.has("te")).isFalse();
	}

	@Test
	void actuatorRunsInTheSidecarsOneContextOnTheAdminListenerOnly() {
		// No management child context (it cost a tenth of the start): actuator's mappings are in
		// this context, behind the mesh's, which takes every inbound and outbound request.
		assertThat(this.sidecar.getBeanNamesForType(WebFluxEndpointHandlerMapping.class)).hasSize(1);
		assertThat(this.sidecar.getBean(AdminServer.class).getPort()).isEqualTo(this.admin);
		assertThat(this.sidecar.getBean(MeshRoutePredicateHandlerMapping.class).getOrder())
			.isLessThan(this.sidecar.getBean(WebFluxEndpointHandlerMapping.class).getOrder());

		Response health = call(this.admin, "/actuator/health/readiness", Map.of());
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.json().get("status").asString()).isEqualTo("UP");
		// On the admin listener nothing is proxied, whatever the Host says.
		Response notFound = call(this.admin, "/items", Map.of("Host", "orders"));
		assertThat(notFound.status()).isEqualTo(404);
		assertThat(notFound.body()).doesNotContain("orders-v1");
	}

	@Test
	void actuatorPathsOnTheProxiedListenersGoToTheAppAndTheDestination() {
		Response outbound = call(this.outbound, "/actuator/health", Map.of("Host", "orders"));
		assertThat(outbound.status()).isEqualTo(200);
		assertThat(outbound.json().get("app").asString()).isEqualTo("orders-v1");
		assertThat(outbound.json().get("path").asString()).isEqualTo("/actuator/health");
		Response inbound = call(this.inbound, "/actuator/mesh", Map.of("Host", "frontend"));
		assertThat(inbound.status()).isEqualTo(200);
		assertThat(inbound.json().get("app").asString()).isEqualTo("frontend-app");
		assertThat(inbound.json().get("path").asString()).isEqualTo("/actuator/mesh");
		Response tap = call(this.inbound, "/tap", Map.of("Host", "frontend"));
		assertThat(tap.json().get("app").asString()).isEqualTo("frontend-app");
	}

	@Test
	void inboundWithItsAppDownIsAppUnavailable() {
		DisposableServer stopped = this.app;
		stopped.disposeNow();
		try {
			Response response = call(this.inbound, "/", Map.of("Host", "frontend"));
			assertThat(response.status()).isEqualTo(502);
			assertThat(response.header("x-trellis-error")).isEqualTo("app-unavailable");
		}
		finally {
			this.app = echo("frontend-app", Duration.ZERO, stopped.port());
		}
	}



	/**
	 * An app that reports the framing and body of the requests it gets, and answers one with a
	 * status no enum names, a header twice and a body in chunks.
	 */
	private static DisposableServer store() {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
			.route((routes) -> routes
				.post("/upload", (request, response) -> request.receive()
					.aggregate()
					.asString()
					.defaultIfEmpty("")
					.flatMap((body) -> response
						.sendString(Mono.just("len=" + orNone(request.requestHeaders().get("content-length")) + ";te="
								+ orNone(request.requestHeaders().get("transfer-encoding")) + ";body=" + body))
						.then()))
				.get("/sized/{bytes}", (request, response) -> sized(request.param("bytes"), response))
				.get("/trickle/{bytes}", (request, response) -> trickle(request.param("bytes"), response))
				.get("/cut/{bytes}", (request, response) -> response.header("Content-Length", request.param("bytes"))
					.sendString(Flux.just(pattern(1000)).concatWith(Mono.error(new IllegalStateException("cut off")))))
				.head("/sized/{bytes}", (request, response) -> response
					.header("Content-Length", String.valueOf(request.param("bytes")))
					.send())
				.get("/trailers", (request, response) -> response.header("Trailer", "x-checksum")
					.trailerHeaders((trailers) -> trailers.set("x-checksum", "ab12"))
					.sendString(Flux.just("part one, ", "part two")))
				.get("/cookies", (request, response) -> response.status(299)
					.addHeader("Set-Cookie", "a=1")
					.addHeader("Set-Cookie", "b=2")
					.header("X-Mixed-Case", "Yes")
					.sendString(Flux.just("part one, ", "part two"))))
			.bindNow();
	}

	/** A body of the given length, "0123456789" repeated, with its length, in pieces of 1000 bytes. */
	private static org.reactivestreams.Publisher<Void> sized(String bytes, reactor.netty.http.server.HttpServerResponse response) {
		return response.header("Content-Length", bytes).sendString(Flux.fromIterable(pieces(bytes)));
	}

	/** {@link #pattern} of the given length in pieces of 1000 bytes. */
	private static List<String> pieces(String bytes) {
		String body = pattern(Integer.parseInt(bytes));
		List<String> pieces = new java.util.ArrayList<>();
		for (int from = 0; from < body.length(); from += 1000) {
			pieces.add(body.substring(from, Math.min(body.length(), from + 1000)));
		}
		return pieces;
	}

	/** As {@link #sized}, each piece sent on its own 20 ms after the one before. */
	private static org.reactivestreams.Publisher<Void> trickle(String bytes, reactor.netty.http.server.HttpServerResponse response) {
		return response.header("Content-Length", bytes)
			.sendString(Flux.fromIterable(pieces(bytes)).delayElements(Duration.ofMillis(20)));
	}

	private static String pattern(int bytes) {
		StringBuilder body = new StringBuilder(bytes);
		for (int i = 0; i < bytes; i++) {
			body.append((char) ('0' + i % 10));
		}
		return body.toString();
	}

	private static String orNone(String value) {
		return (value != null) ? value : "none";
	}

	private static DisposableServer echo(String name, Duration delay) {
		return echo(name, delay, 0);
	}

	private static DisposableServer echo(String name, Duration delay, int port) {
		// A channel group, so disposing the server also closes the connections it accepted.
		return HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
			.handle((request, response) -> {
			Map<String, Object> echo = new LinkedHashMap<>();
			echo.put("app", name);
			echo.put("path", request.uri());
			Map<String, String> headers = new LinkedHashMap<>();
			// Repeated names in one entry, so that a test sees a header sent twice.
			request.requestHeaders()
				.forEach((e) -> headers.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + " | " + b));
			echo.put("headers", headers);
			if (request.requestHeaders().contains("x-echo-hop")) {
				response.header("x-resp-kept", "yes").header("x-resp-hop", "1").header("Connection", "x-resp-hop");
			}
			// An unpooled heap buffer: when a test's timeout cuts this slow app off, the buffer made
			// after the delay may find the connection gone, and is then the garbage collector's (a
			// pooled one would be reported as a leak of the app's, not of the sidecar's).
			return response.header("content-type", "application/json")
				.send(Mono.delay(delay).then(Mono.fromCallable(() -> Unpooled.wrappedBuffer(JSON.writeValueAsBytes(echo)))))
				.then();
		}).bindNow();
	}


	private static Response call(int port, String path, Map<String, String> headers) {
		return HttpClient.create()
			.headers((h) -> headers.forEach(h::set))
			.get()
			.uri("http://127.0.0.1:" + port + path)
			.responseSingle((response, body) -> body.asString().defaultIfEmpty("").map((text) -> new Response(
					response.status().code(), response.responseHeaders().get("x-trellis-error"), text)))
			.block(Duration.ofSeconds(15));
	}

	private record Response(int status, String error, String body) {

		String header(String name) {
			return this.error;
		}

		JsonNode json() {
			return JSON.readTree(this.body);
		}

	}

}
