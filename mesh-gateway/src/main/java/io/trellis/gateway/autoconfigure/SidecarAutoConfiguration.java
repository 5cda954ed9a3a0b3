package io.trellis.gateway.autoconfigure;

import java.net.URI;
import java.nio.file.Path;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.controlplane.ControlPlaneClient;
import io.trellis.gateway.controlplane.ControlPlaneSync;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.controlplane.LocalRegistration;
import io.trellis.gateway.controlplane.StateStore;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.discovery.MeshDiscoveryClient;
import io.trellis.gateway.error.MeshErrorWebExceptionHandler;
import io.trellis.gateway.limit.ConcurrencyLimiters;
import io.trellis.gateway.limit.InboundRateLimitFilter;
import io.trellis.gateway.limit.InboundRateLimiter;
import io.trellis.gateway.loadbalancer.MeshLoadBalancerFilter;
import io.trellis.gateway.health.HealthChecks;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.policy.PolicyCompiler;
import io.trellis.gateway.retry.RetryBudgets;
import io.trellis.gateway.breaker.CircuitBreakers;
import io.trellis.gateway.metrics.MeshMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.gateway.route.CompiledService;
import io.trellis.gateway.route.InboundRequestFilter;
import io.trellis.gateway.route.ListenerResolver;
import io.trellis.gateway.route.GatewayFilterReplacements;
import io.trellis.gateway.route.MeshHeadersFilter;
import io.trellis.gateway.tracing.SidecarTracing;
import io.trellis.gateway.tracing.TracingWebFilter;
import io.trellis.gateway.route.MeshRoutePredicateHandlerMapping;
import io.trellis.gateway.route.MeshRouteTable;
import io.trellis.gateway.route.Mirrors;
import io.micrometer.observation.ObservationRegistry;
import io.trellis.gateway.server.ControlLoop;
import io.trellis.gateway.server.EventLoopWatchdog;
import io.trellis.gateway.server.InboundServer;
import io.netty.channel.ChannelOption;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The sidecar: listeners, the indexed route lookup, the mesh load balancer, the control-plane
 * sync and registration, and mesh error handling, on top of Spring Cloud Gateway. Runs before
 * the gateway's own auto-configuration so its route mapping takes the gateway's place.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class)
@EnableConfigurationProperties(SidecarProperties.class)
public final class SidecarAutoConfiguration {

	/** Id of the route that hands inbound requests to the local app. */
	public static final String INBOUND_ROUTE_ID = "inbound";

	/** How long the sidecar waits for a connection to an upstream endpoint to open. */
	public static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 1000;

	/**
	 * The upstream client's connect timeout, set once on the client. (Through Spring Cloud
	 * Gateway's {@code httpclient.connect-timeout} property it would be set again on every
	 * request, copying the client's whole configuration each time.)
	 */
	@Bean
	HttpClientCustomizer meshUpstreamConnectTimeout() {
		return (client) -> client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
	}

	@Bean
	@ConditionalOnMissingBean
	LocalInstance localInstance(SidecarProperties properties) {
		return new LocalInstance(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	ListenerResolver listenerResolver() {
		return new ListenerResolver();
	}

	@Bean
	@ConditionalOnMissingBean
	MeshRouteTable meshRouteTable() {
		return new MeshRouteTable();
	}

	@Bean
	@ConditionalOnMissingBean
	EndpointRegistry endpointRegistry() {
		return new EndpointRegistry();
	}

	@Bean
	@ConditionalOnMissingBean
	MeshDiscoveryClient meshDiscoveryClient(EndpointRegistry registry) {
		return new MeshDiscoveryClient(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	MeshLoadBalancers meshLoadBalancers(EndpointRegistry registry, MeshMetrics metrics) {
		return new MeshLoadBalancers(registry, metrics);
	}

	@Bean
	@ConditionalOnMissingBean
	MeshLoadBalancerFilter meshLoadBalancerFilter(MeshLoadBalancers balancers) {
		return new MeshLoadBalancerFilter(balancers);
	}

	@Bean
	static GatewayFilterReplacements gatewayFilterReplacements() {
		return new GatewayFilterReplacements();
	}

	@Bean
	@ConditionalOnMissingBean
	MeshHeadersFilter meshHeadersFilter(LocalInstance local, ObjectProvider<SidecarTracing> tracing) {
		return new MeshHeadersFilter(local, tracing.getIfAvailable());
	}

	/**
	 * The sidecar's tracing when {@code mesh.proxy.tracing.zipkin-endpoint} is set, else none
	 * (a null bean). Decided at run time, not by a condition: the sidecar's bean definitions are
	 * processed ahead of time, which fixes conditions at build time.
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	SidecarTracing meshSidecarTracing(SidecarProperties properties) {
		SidecarProperties.Tracing tracing = properties.tracing();
		if (!tracing.enabled()) {
			return null;
		}
		return new SidecarTracing(properties.service(), tracing.zipkinEndpoint(), tracing.samplingProbability());
	}

	/** Starts each request's span; none (a null bean) when the sidecar does not trace. */
	@Bean
	TracingWebFilter meshTracingWebFilter(ObjectProvider<SidecarTracing> tracing, ListenerResolver listeners) {
		SidecarTracing available = tracing.getIfAvailable();
		return (available != null) ? new TracingWebFilter(available, listeners) : null;
	}

	@Bean
	@ConditionalOnMissingBean
	MeshErrorWebExceptionHandler meshErrorWebExceptionHandler(MeshMetrics metrics) {
		return new MeshErrorWebExceptionHandler(metrics);
	}

	/** The sidecar's thread for its own calls: control plane, readiness and health checks. */
	@Bean
	@ConditionalOnMissingBean
	ControlLoop meshControlLoop() {
		return new ControlLoop();
	}

	/**
	 * The watch on the traffic's event loops, from the control thread; none (a null bean) when
	 * {@code mesh.proxy.watchdog.stuck-after} is 0.
	 */
	@Bean
	EventLoopWatchdog meshEventLoopWatchdog(SidecarProperties properties, ControlLoop loop,
			ObjectProvider<ReactorResourceFactory> resources, ApplicationEventPublisher events,
			ObjectProvider<MeterRegistry> meters) {
		SidecarProperties.Watchdog watchdog = properties.watchdog();
		if (!watchdog.enabled()) {
			return null;
		}
		// The loops the listeners serve on: the resource factory's, else Reactor Netty's global ones.
		return new EventLoopWatchdog(() -> {
			ReactorResourceFactory factory = resources.getIfAvailable();
			LoopResources loops = (factory != null) ? factory.getLoopResources() : HttpResources.get();
			return loops.onServer(LoopResources.hasNativeSupport());
		}, loop, events, watchdog.interval(), watchdog.stuckAfter(), meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	ControlPlaneClient controlPlaneClient(SidecarProperties properties, ObjectProvider<JsonMapper> jsonMapper,
			ControlLoop loop) {
		return new ControlPlaneClient(properties.controlPlane(), jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()),
				loop);
	}

	@Bean
	@ConditionalOnMissingBean
	StateStore stateStore(SidecarProperties properties, ObjectProvider<JsonMapper> jsonMapper) {
		Path file = properties.stateFile();
		if (file == null) {
			file = Path.of(System.getProperty("java.io.tmpdir"),
					"trellis-sidecar-" + properties.service() + "-" + properties.inbound().port() + ".json");
		}
		return new StateStore(file, jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
	}

	@Bean
	@ConditionalOnMissingBean
	ControlPlaneSync controlPlaneSync(ControlPlaneClient client, SidecarProperties properties, LocalInstance local,
			MeshRouteTable routes, EndpointRegistry endpoints, StateStore store, ApplicationEventPublisher events,
			RetryBudgets budgets, CircuitBreakers breakers, MeshMetrics metrics, HealthChecks healthChecks,
			Mirrors mirrors, ConcurrencyLimiters limiters) {
		return new ControlPlaneSync(client, properties.controlPlane(), local, routes, endpoints, store,
				() -> events.publishEvent(new RefreshRoutesEvent(routes)),
				new PolicyCompiler(budgets, breakers, metrics, healthChecks, mirrors, limiters));
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimiters meshConcurrencyLimiters() {
		return new ConcurrencyLimiters();
	}

	@Bean
	@ConditionalOnMissingBean
	InboundRateLimiter meshInboundRateLimiter(MeshRouteTable routes, SidecarProperties properties) {
		String local = properties.service();
		return new InboundRateLimiter(() -> {
			CompiledService compiled = routes.get(local);
			return (compiled != null) ? compiled.policy().rateLimit() : null;
		});
	}

	@Bean
	@ConditionalOnMissingBean
	Mirrors meshMirrors(MeshLoadBalancers balancers, ObjectProvider<ControlPlaneSync> sync, MeshMetrics metrics,
			ObjectProvider<SidecarTracing> tracing) {
		Mirrors mirrors = new Mirrors(balancers, sync::getIfAvailable, metrics);
		mirrors.setTracing(tracing.getIfAvailable());
		return mirrors;
	}

	@Bean
	@ConditionalOnMissingBean
	HealthChecks meshHealthChecks(MeshLoadBalancers balancers, MeshMetrics metrics, ControlLoop loop) {
		return new HealthChecks(balancers, metrics, loop);
	}

	@Bean
	@ConditionalOnMissingBean
	MeshMetrics meshMetrics(ObjectProvider<MeterRegistry> meters) {
		return new MeshMetrics(meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	CircuitBreakers meshCircuitBreakers(ObjectProvider<MeterRegistry> meters) {
		return new CircuitBreakers(meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	RetryBudgets meshRetryBudgets() {
		return new RetryBudgets();
	}

	/**
	 * No per-request server observation on the data path: its cost is a large share of a
	 * proxied request's, and the mesh records its own request metrics.
	 */
	@Bean
	WebHttpHandlerBuilderCustomizer meshNoServerObservations() {
		return (builder) -> builder.observationRegistry(ObservationRegistry.NOOP);
	}

	@Bean
	@ConditionalOnMissingBean
	LocalRegistration localRegistration(ControlPlaneClient client, ControlPlaneSync sync, LocalInstance local,
			SidecarProperties properties, ControlLoop loop) {
		return new LocalRegistration(client, sync, local, properties, loop);
	}

	@Bean
	InboundServer inboundServer(ObjectProvider<HttpHandler> handler, SidecarProperties properties,
			ObjectProvider<ReactorResourceFactory> resources, ObjectProvider<NettyServerCustomizer> customizers,
			ListenerResolver listeners, LocalInstance local) {
		return new InboundServer(new LazyHttpHandler(handler), properties.inbound(), resources.getIfAvailable(),
				customizers.orderedStream().toList(), listeners, local);
	}

	@Bean
	RoutePredicateHandlerMapping routePredicateHandlerMapping(FilteringWebHandler webHandler,
			RouteLocator routeLocator, GlobalCorsProperties globalCorsProperties, Environment environment,
			ListenerResolver listeners, MeshRouteTable table, ControlPlaneSync sync, SidecarProperties properties,
			InboundRateLimiter rateLimiter, MeshMetrics metrics) {
		SidecarProperties.App app = properties.app();
		String local = properties.service();
		Route inbound = Route.async()
			.id(INBOUND_ROUTE_ID)
			.uri(URI.create("http://" + app.host() + ":" + app.port()))
			.order(0)
			.predicate((exchange) -> true)
			.filters(new OrderedGatewayFilter(
					new InboundRateLimitFilter(local, rateLimiter, metrics),
					Ordered.HIGHEST_PRECEDENCE + 150),
					new OrderedGatewayFilter(new InboundRequestFilter(), Ordered.HIGHEST_PRECEDENCE + 200))
			.build();
		return new MeshRoutePredicateHandlerMapping(webHandler, routeLocator, globalCorsProperties, environment,
				listeners, table, sync, inbound);
	}

	/**
	 * The context's {@link HttpHandler}, for the listeners started beside Spring Boot's own
	 * server: looked up when the first request arrives (it does not exist yet when the listener
	 * beans are made), then kept.
	 */
	static final class LazyHttpHandler implements HttpHandler {

		private final ObjectProvider<HttpHandler> provider;

		private volatile HttpHandler handler;

		LazyHttpHandler(ObjectProvider<HttpHandler> provider) {
			this.provider = provider;
		}

		@Override
		public reactor.core.publisher.Mono<Void> handle(org.springframework.http.server.reactive.ServerHttpRequest request,
				org.springframework.http.server.reactive.ServerHttpResponse response) {
			HttpHandler handler = this.handler;
			if (handler == null) {
				handler = this.provider.getObject();
				this.handler = handler;
			}
			return handler.handle(request, response);
		}

	}

}
