package io.trellis.configserver.autoconfigure;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import io.trellis.configserver.ControlPlaneProperties;
import io.micrometer.observation.ObservationPredicate;
import io.trellis.configserver.dashboard.DashboardController;
import io.trellis.configserver.dashboard.TopologyController;
import io.trellis.configserver.dashboard.TopologyReader;
import io.trellis.configserver.policy.PolicyController;
import io.trellis.configserver.policy.PolicyFetchFilter;
import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.policy.ValidatedEnvironmentRepository;
import io.trellis.configserver.registry.RegistryController;
import io.trellis.configserver.registry.ServiceRegistry;
import io.trellis.configserver.status.StatusController;
import io.trellis.configserver.status.SyncStatusRegistry;
import io.trellis.configserver.telemetry.TrafficController;
import io.trellis.configserver.telemetry.TrafficStore;
import io.trellis.configserver.watch.WatchController;
import io.trellis.configserver.watch.WatchHub;
import io.trellis.configserver.watch.WatchServlet;
import io.trellis.configserver.web.ApiExceptionHandler;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.cloud.config.server.config.ConfigServerAutoConfiguration;
import org.springframework.cloud.config.server.config.ConfigServerProperties;
import org.springframework.cloud.config.server.environment.EnvironmentRepository;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.Ordered;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * The control plane's beans on top of Config Server: the validating policy store (which
 * becomes the repository behind the Environment API), the registry, the watch hub and sync
 * status, and their REST API.
 */
@AutoConfiguration(before = ConfigServerAutoConfiguration.class)
@ConditionalOnBean(type = "org.springframework.cloud.config.server.config.ConfigServerConfiguration$Marker")
@EnableConfigurationProperties(ControlPlaneProperties.class)
public final class ControlPlaneAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock meshClock() {
		return Clock.systemUTC();
	}

	@Bean
	@ConditionalOnMissingBean
	PolicyStore policyStore(ListableBeanFactory beanFactory, Clock clock) {
		return new PolicyStore(() -> backend(beanFactory), clock);
	}

	/** Config Server's one backend: every repository bean but the validating one. */
	private static EnvironmentRepository backend(ListableBeanFactory beanFactory) {
		Map<String, EnvironmentRepository> backends = new LinkedHashMap<>(
				beanFactory.getBeansOfType(EnvironmentRepository.class));
		backends.values().removeIf(ValidatedEnvironmentRepository.class::isInstance);
		if (backends.size() != 1) {
			throw new IllegalStateException("Trellis reads policy from exactly one Config Server backend "
					+ "(profile 'native' for a directory, 'git' for git), found " + backends.keySet());
		}
		return backends.values().iterator().next();
	}

	@Bean
	@Primary
	ValidatedEnvironmentRepository meshEnvironmentRepository(PolicyStore store) {
		return new ValidatedEnvironmentRepository(store);
	}

	@Bean
	@ConditionalOnMissingBean
	ServiceRegistry serviceRegistry(Clock clock, ControlPlaneProperties properties) {
		return new ServiceRegistry(clock, properties.registry().ttl());
	}

	@Bean
	@ConditionalOnMissingBean
	SyncStatusRegistry syncStatusRegistry(PolicyStore store, Clock clock, ControlPlaneProperties properties) {
		return new SyncStatusRegistry(store, clock, properties.status().staleAfter(), properties.status().forgetAfter());
	}

	@Bean
	@ConditionalOnMissingBean
	WatchHub watchHub(PolicyStore store, ServiceRegistry registry, ControlPlaneProperties properties, Clock clock) {
		return new WatchHub(store, registry, properties.watch().maxWait(), clock, properties.registry().warmup());
	}

	@Bean
	ControlPlaneScheduler controlPlaneScheduler(PolicyStore store, ServiceRegistry registry, WatchHub watchHub,
			ControlPlaneProperties properties) {
		return new ControlPlaneScheduler(store, registry, watchHub, properties.policy().pollInterval(),
				properties.policy().watchFiles(), properties.registry().sweepInterval());
	}

	@Bean
	RegistryController registryController(ServiceRegistry registry, SyncStatusRegistry status) {
		return new RegistryController(registry, status);
	}

	@Bean
	WatchController watchController(WatchHub hub) {
		return new WatchController(hub);
	}

	@Bean
	ServletRegistrationBean<WatchServlet> watchServlet(WatchHub hub, SyncStatusRegistry status,
			ObjectProvider<JsonMapper> json) {
		ServletRegistrationBean<WatchServlet> registration = new ServletRegistrationBean<>(
				new WatchServlet(hub, status, json.getIfAvailable(JsonMapper::new)), WatchController.WATCH_PATH);
		registration.setName("meshWatch");
		registration.setAsyncSupported(true);
		registration.setLoadOnStartup(1);
		return registration;
	}

	@Bean
	StatusController statusController(SyncStatusRegistry status) {
		return new StatusController(status);
	}

	@Bean
	PolicyController policyController(PolicyStore store) {
		return new PolicyController(store);
	}

	@Bean
	@ConditionalOnMissingBean
	TrafficStore trafficStore(Clock clock, ControlPlaneProperties properties) {
		ControlPlaneProperties.Telemetry telemetry = properties.telemetry();
		return new TrafficStore(clock, telemetry.window(), telemetry.maxSidecars(), telemetry.maxEdgesPerReport(),
				telemetry.maxEdges());
	}

	@Bean
	TrafficController trafficController(TrafficStore store) {
		return new TrafficController(store);
	}

	@Bean
	@ConditionalOnMissingBean
	TopologyReader topologyReader(ServiceRegistry registry, PolicyStore store, SyncStatusRegistry status,
			TrafficStore traffic, Clock clock) {
		return new TopologyReader(registry, store, status, traffic, clock);
	}

	@Bean
	TopologyController topologyController(TopologyReader reader) {
		return new TopologyController(reader);
	}

	@Bean
	DashboardController dashboardController() {
		return new DashboardController();
	}

	/**
	 * The sidecars' policy fetches answered from JSON written once per version, ahead of every
	 * other filter (and so of the per-request observation: these are counted by the watch).
	 */
	@Bean
	FilterRegistrationBean<PolicyFetchFilter> policyFetchFilter(PolicyStore store, ObjectProvider<JsonMapper> json,
			ConfigServerProperties configServer) {
		String prefix = (configServer.getPrefix() != null) ? configServer.getPrefix() : "";
		PolicyFetchFilter filter = new PolicyFetchFilter(store, json.getIfAvailable(JsonMapper::new), prefix);
		FilterRegistrationBean<PolicyFetchFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setName("meshPolicyFetchFilter");
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		registration.addUrlPatterns((prefix.isEmpty() ? "" : PolicyFetchFilter.normalize(prefix)) + "/*");
		return registration;
	}

	/**
	 * Held watches are not timed as HTTP server requests: each lasts up to the watch's wait,
	 * which would swamp the control plane's latency figures and cost every answer an
	 * observation when a change answers thousands at once.
	 */
	@Bean
	ObservationPredicate meshWatchesAreNotObserved() {
		return (name, context) -> !(context instanceof ServerRequestObservationContext server
				&& isWatch(server.getCarrier()));
	}

	private static boolean isWatch(HttpServletRequest request) {
		String uri = request.getRequestURI();
		return uri != null && uri.endsWith(WatchController.WATCH_PATH);
	}

	@Bean
	ApiExceptionHandler meshApiExceptionHandler() {
		return new ApiExceptionHandler();
	}

}
