package io.trellis.gateway.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.trellis.core.policy.CircuitBreaking;
import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.policy.HealthCheck;
import io.trellis.core.policy.OutlierDetection;
import io.trellis.core.policy.RetryPolicy;
import io.trellis.core.policy.RouteRule;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.core.policy.Subset;
import io.trellis.core.policy.WeightedSubset;
import io.trellis.core.sync.PolicyAck;
import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.controlplane.ControlPlaneSync;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.controlplane.LocalRegistration;
import io.trellis.gateway.controlplane.StateStore;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.limit.ConcurrencyLimiters;
import io.trellis.gateway.limit.InboundRateLimiter;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.loadbalancer.ServiceBalancer;
import io.trellis.gateway.breaker.CircuitBreakers;
import io.trellis.gateway.retry.RetryBudget;
import io.trellis.gateway.retry.RetryBudgets;
import io.trellis.gateway.route.CompiledService;
import io.trellis.gateway.route.MeshRouteTable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/mesh} on the admin listener: who the sidecar is, whether it is registered
 * and connected, and for every service it holds the policy version in use (or rejected, and
 * why), the compiled routes, the load balancer with what it observed of each endpoint, and
 * the known endpoints.
 */
@Endpoint(id = "mesh")
public class MeshEndpoint {

	private final LocalInstance local;

	private final SidecarProperties properties;

	private final ControlPlaneSync sync;

	private final LocalRegistration registration;

	private final MeshRouteTable routes;

	private final EndpointRegistry endpoints;

	private final StateStore store;

	private final MeshLoadBalancers balancers;

	private final RetryBudgets budgets;

	private final CircuitBreakers breakers;

	private ConcurrencyLimiters concurrencyLimiters;

	private InboundRateLimiter rateLimiter;

	public MeshEndpoint(LocalInstance local, SidecarProperties properties, ControlPlaneSync sync,
			LocalRegistration registration, MeshRouteTable routes, EndpointRegistry endpoints, StateStore store,
			MeshLoadBalancers balancers, RetryBudgets budgets, CircuitBreakers breakers) {
		this.breakers = breakers;
		this.balancers = balancers;
		this.budgets = budgets;
		this.local = local;
		this.properties = properties;
		this.sync = sync;
		this.registration = registration;
		this.routes = routes;
		this.endpoints = endpoints;
		this.store = store;
	}

	/** Shows the destinations' concurrency limits and the local instance's inbound rate limit. */
	private io.trellis.gateway.telemetry.Taps taps;

	public void setLimits(ConcurrencyLimiters concurrencyLimiters, InboundRateLimiter rateLimiter) {
		this.concurrencyLimiters = concurrencyLimiters;
		this.rateLimiter = rateLimiter;
	}

	private Map<String, Object> telemetry() {
		Map<String, Object> telemetry = new LinkedHashMap<>();
		SidecarProperties.Telemetry settings = this.properties.telemetry();
		telemetry.put("requestMetrics", settings.metrics());
		telemetry.put("trafficReportInterval", settings.reportInterval().toString());
		SidecarProperties.AccessLog accessLog = this.properties.accessLog();
		Map<String, Object> log = new LinkedHashMap<>();
		log.put("enabled", accessLog.enabled());
		if (accessLog.enabled()) {
			log.put("to", (accessLog.path() != null) ? accessLog.path().toAbsolutePath().toString() : "standard output");
		}
		telemetry.put("accessLog", log);
		Map<String, Object> tap = new LinkedHashMap<>();
		tap.put("enabled", this.properties.tap().enabled());
		tap.put("open", (this.taps != null) ? this.taps.openTaps() : 0);
		telemetry.put("tap", tap);
		SidecarProperties.Tracing tracing = this.properties.tracing();
		Map<String, Object> spans = new LinkedHashMap<>();
		spans.put("enabled", tracing.enabled());
		if (tracing.enabled()) {
			spans.put("zipkinEndpoint", tracing.zipkinEndpoint().toString());
			spans.put("samplingProbability", tracing.samplingProbability());
		}
		telemetry.put("tracing", spans);
		return telemetry;
	}

	/** @param taps the open taps shown, or null when tapping is off */
	public void setTaps(io.trellis.gateway.telemetry.Taps taps) {
		this.taps = taps;
	}

	@ReadOperation
	public Map<String, Object> mesh() {
		Map<String, Object> mesh = new LinkedHashMap<>();
		mesh.put("service", this.local.service());
		mesh.put("instance", (this.local.inboundPort() >= 0) ? this.local.instanceId() : null);
		mesh.put("labels", this.local.labels());
		Map<String, Object> listeners = new LinkedHashMap<>();
		listeners.put("outbound", this.properties.outbound().address() + ":" + this.properties.outbound().port());
		listeners.put("inbound", this.properties.inbound().address() + ":" + this.local.inboundPort());
		listeners.put("app", this.properties.app().host() + ":" + this.properties.app().port());
		mesh.put("listeners", listeners);
		mesh.put("appReady", this.registration.isAppReady());
		mesh.put("registered", this.registration.isRegistered());
		mesh.put("controlPlane", this.sync.describe());
		mesh.put("stateFile", this.store.getFile().toAbsolutePath().toString());
		mesh.put("telemetry", telemetry());
		Map<String, Object> policies = new LinkedHashMap<>();
		Map<String, PolicyAck> acks = this.sync.acks();
		Map<String, CompiledService> compiled = this.routes.all();
		for (Map.Entry<String, PolicyAck> entry : acks.entrySet()) {
			policies.put(entry.getKey(), policy(entry.getValue(), compiled.get(entry.getKey())));
		}
		mesh.put("policies", policies);
		Map<String, Object> known = new LinkedHashMap<>();
		for (Map.Entry<String, EndpointRegistry.Snapshot> entry : this.endpoints.all().entrySet()) {
			Map<String, Object> service = new LinkedHashMap<>();
			service.put("version", entry.getValue().version());
			List<Map<String, Object>> instances = new ArrayList<>();
			for (io.trellis.core.registry.Endpoint endpoint : entry.getValue().endpoints()) {
				Map<String, Object> instance = new LinkedHashMap<>();
				instance.put("instance", endpoint.instance());
				instance.put("address", endpoint.host() + ":" + endpoint.port());
				instance.put("labels", endpoint.labels());
				instances.add(instance);
			}
			service.put("instances", instances);
			known.put(entry.getKey(), service);
		}
		mesh.put("endpoints", known);
		if (this.rateLimiter != null) {
			mesh.put("inboundRateLimit", this.rateLimiter.describe());
		}
		if (this.concurrencyLimiters != null) {
			mesh.put("concurrencyLimits", this.concurrencyLimiters.describe());
		}
		return mesh;
	}

	private Map<String, Object> policy(PolicyAck ack, CompiledService compiled) {
		Map<String, Object> policy = new LinkedHashMap<>();
		policy.put("version", ack.applied());
		policy.put("rejected", ack.rejected());
		policy.put("reason", ack.reason());
		policy.put("restoredFromStateFile", this.sync.isRestored(ack.service()));
		if (compiled != null) {
			ServicePolicy active = compiled.policy();
			policy.put("compiledVersion", compiled.version());
			policy.put("timeout", active.timeout().toString());
			Map<String, Object> subsets = new LinkedHashMap<>();
			for (Subset subset : active.subsets().values()) {
				subsets.put(subset.name(), subset.labels());
			}
			policy.put("subsets", subsets);
			List<Map<String, Object>> routes = new ArrayList<>();
			List<RouteRule> rules = active.effectiveRoutes();
			for (int i = 0; i < rules.size(); i++) {
				Map<String, Object> route = new LinkedHashMap<>();
				route.put("id", compiled.routes().get(i).route().getId());
				route.put("match", describe(rules.get(i).match()));
				List<Map<String, Object>> to = new ArrayList<>();
				for (WeightedSubset destination : rules.get(i).to()) {
					Map<String, Object> target = new LinkedHashMap<>();
					target.put("subset", (destination.subset() != null) ? destination.subset() : "(all endpoints)");
					target.put("weight", destination.weight());
					to.add(target);
				}
				route.put("to", to);
				describeActions(rules.get(i), route);
				routes.add(route);
			}
			policy.put("routes", routes);
			LoadBalancing balancing = active.loadBalancer();
			Map<String, Object> loadBalancer = new LinkedHashMap<>();
			loadBalancer.put("type", balancing.type().value());
			if (balancing.type() == LoadBalancing.Type.PEAK_EWMA) {
				loadBalancer.put("decay", balancing.decay().toString());
				loadBalancer.put("defaultRtt", balancing.defaultRtt().toString());
			}
			ServiceBalancer balancer = this.balancers.find(ack.service());
			loadBalancer.put("endpoints", (balancer != null) ? balancer.describe(balancing) : Map.of());
			policy.put("loadBalancer", loadBalancer);
			RetryPolicy retryPolicy = active.retries();
			Map<String, Object> retries = new LinkedHashMap<>();
			retries.put("attempts", retryPolicy.attempts());
			List<String> retryOn = new ArrayList<>();
			retryPolicy.on().stream().map(RetryPolicy.Condition::value).sorted().forEach(retryOn::add);
			retryPolicy.statuses().stream().sorted().map(String::valueOf).forEach(retryOn::add);
			retries.put("retryOn", retryOn);
			retries.put("perTryTimeout", (retryPolicy.perTryTimeout() != null) ? retryPolicy.perTryTimeout().toString()
					: null);
			retries.put("retryableRoutes", rules.stream().filter(RouteRule::retryable).count());
			RetryBudget budget = (this.budgets != null) ? this.budgets.all().get(ack.service()) : null;
			Map<String, Object> budgetState = new LinkedHashMap<>();
			budgetState.put("ratio", retryPolicy.budgetRatio());
			budgetState.put("minPerSecond", retryPolicy.budgetMinPerSecond());
			budgetState.put("window", retryPolicy.budgetWindow().toString());
			if (budget != null) {
				long[] window = budget.window(retryPolicy);
				budgetState.put("requestsInWindow", window[0]);
				budgetState.put("retriesInWindow", window[1]);
				budgetState.put("exhausted", budget.exhausted());
			}
			retries.put("budget", budgetState);
			policy.put("retries", retries);
			CircuitBreaking breaking = active.circuitBreaker();
			Map<String, Object> circuitBreaker = new LinkedHashMap<>();
			circuitBreaker.put("enabled", breaking.enabled());
			CircuitBreaker breaker = (breaking.enabled() && this.breakers != null) ? this.breakers.find(ack.service())
					: null;
			if (breaking.enabled()) {
				circuitBreaker.put("failureRate", breaking.failureRate());
				circuitBreaker.put("slowCallRate", breaking.slowCallRate());
				circuitBreaker.put("slowCallDuration", breaking.slowCallDuration().toString());
				circuitBreaker.put("minimumCalls", breaking.minimumCalls());
				circuitBreaker.put("window", breaking.window().toString());
				circuitBreaker.put("waitInOpen", breaking.waitInOpen().toString());
				circuitBreaker.put("halfOpenCalls", breaking.halfOpenCalls());
				circuitBreaker.put("state", (breaker != null) ? breaker.getState().name() : "CLOSED");
				if (breaker != null) {
					CircuitBreaker.Metrics metrics = breaker.getMetrics();
					circuitBreaker.put("observedFailureRate", metrics.getFailureRate());
					circuitBreaker.put("observedSlowCallRate", metrics.getSlowCallRate());
					circuitBreaker.put("callsInWindow", metrics.getNumberOfBufferedCalls());
					circuitBreaker.put("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
				}
			}
			policy.put("circuitBreaker", circuitBreaker);
			OutlierDetection detection = active.outlierDetection();
			Map<String, Object> outliers = new LinkedHashMap<>();
			outliers.put("enabled", detection.enabled());
			outliers.put("consecutiveFailures", detection.consecutiveFailures());
			outliers.put("baseEjectionTime", detection.baseEjectionTime().toString());
			outliers.put("maxEjectionTime", detection.maxEjectionTime().toString());
			outliers.put("maxEjectedPercent", detection.maxEjectedPercent());
			policy.put("outlierDetection", outliers);
			HealthCheck check = active.healthCheck();
			Map<String, Object> healthCheck = new LinkedHashMap<>();
			healthCheck.put("enabled", check.enabled());
			if (check.enabled()) {
				healthCheck.put("path", check.path());
				healthCheck.put("interval", check.interval().toString());
				healthCheck.put("timeout", check.timeout().toString());
				healthCheck.put("unhealthyThreshold", check.unhealthyThreshold());
				healthCheck.put("healthyThreshold", check.healthyThreshold());
			}
			policy.put("healthCheck", healthCheck);
			io.trellis.core.policy.ConcurrencyLimit concurrency = active.concurrencyLimit();
			Map<String, Object> concurrencyLimit = new LinkedHashMap<>();
			concurrencyLimit.put("enabled", concurrency.enabled());
			if (concurrency.enabled()) {
				concurrencyLimit.put("maxInFlight", concurrency.maxInFlight());
				concurrencyLimit.put("maxPending", concurrency.maxPending());
				concurrencyLimit.put("adaptive", concurrency.adaptive());
				if (concurrency.adaptive()) {
					concurrencyLimit.put("minInFlight", concurrency.minInFlight());
					concurrencyLimit.put("initialInFlight", concurrency.initialInFlight());
				}
			}
			policy.put("concurrencyLimit", concurrencyLimit);
			io.trellis.core.policy.RateLimit rate = active.rateLimit();
			Map<String, Object> rateLimit = new LinkedHashMap<>();
			rateLimit.put("enabled", rate.enabled());
			if (rate.enabled()) {
				rateLimit.put("requestsPerSecond", rate.requestsPerSecond());
				rateLimit.put("burst", rate.burst());
				rateLimit.put("perCaller", rate.perCaller());
			}
			policy.put("inboundRateLimit", rateLimit);
		}
		return policy;
	}

	/** A route's match as policy writes it: {@code any}, or its path, methods, headers and query parameters. */
	static Object describe(io.trellis.core.policy.RouteMatch match) {
		if (match.matchesEverything()) {
			return "any";
		}
		Map<String, Object> described = new LinkedHashMap<>();
		if (match.path() != null) {
			described.put("path", match.path().describe());
		}
		if (!match.methods().isEmpty()) {
			described.put("methods", new java.util.TreeSet<>(match.methods()));
		}
		if (!match.headers().isEmpty()) {
			Map<String, Object> headers = new LinkedHashMap<>();
			match.headers().forEach((name, value) -> headers.put(name,
					(value.kind() == io.trellis.core.policy.StringMatch.Kind.EXACT) ? value.value() : value.describe()));
			described.put("headers", headers);
		}
		if (!match.queryParams().isEmpty()) {
			Map<String, Object> params = new LinkedHashMap<>();
			match.queryParams().forEach((name, value) -> params.put(name,
					(value.kind() == io.trellis.core.policy.StringMatch.Kind.EXACT) ? value.value() : value.describe()));
			described.put("queryParams", params);
		}
		return described;
	}

	/** A route's faults and rewrites, when it has them. */
	static void describeActions(io.trellis.core.policy.RouteRule rule, Map<String, Object> route) {
		if (rule.retryable()) {
			route.put("retryable", true);
		}
		io.trellis.core.policy.FaultInjection fault = rule.fault();
		if (fault.active()) {
			Map<String, Object> described = new LinkedHashMap<>();
			if (fault.delay() != null && fault.delayPercent() > 0) {
				described.put("delay", Map.of("fixed", fault.delay().toString(), "percentage", fault.delayPercent()));
			}
			if (fault.abortStatus() > 0 && fault.abortPercent() > 0) {
				described.put("abort", Map.of("status", fault.abortStatus(), "percentage", fault.abortPercent()));
			}
			if (!fault.headers().isEmpty()) {
				Map<String, Object> headers = new LinkedHashMap<>();
				fault.headers().forEach((name, value) -> headers.put(name, value.describe()));
				described.put("headers", headers);
			}
			route.put("fault", described);
		}
		if (rule.requestHeaders().active()) {
			route.put("requestHeaders", rule.requestHeaders());
		}
		if (rule.responseHeaders().active()) {
			route.put("responseHeaders", rule.responseHeaders());
		}
		if (rule.mirror() != null) {
			Map<String, Object> mirror = new LinkedHashMap<>();
			mirror.put("service", rule.mirror().service());
			if (rule.mirror().subset() != null) {
				mirror.put("subset", rule.mirror().subset().name());
			}
			mirror.put("percentage", rule.mirror().percentage());
			route.put("mirror", mirror);
		}
		if (rule.rewrite() != null) {
			route.put("rewrite", (rule.rewrite().kind() == io.trellis.core.policy.PathRewrite.Kind.FULL_PATH)
					? Map.of("path", rule.rewrite().value()) : Map.of("prefix", rule.rewrite().value()));
		}
	}

}
