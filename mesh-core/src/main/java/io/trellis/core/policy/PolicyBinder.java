package io.trellis.core.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.util.unit.DataSize;

/**
 * Binds a service's policy from its property sources (its own file over the mesh-wide
 * {@code application.yml}) to a {@link ServicePolicy}, with Spring Boot's {@link Binder}, and
 * validates it. Every key must be a known field under {@value #PREFIX}; every error names the
 * file, the field and the bad value. Used alike by the control plane before it serves a
 * version, by the sidecar before it applies one, and by the offline validator.
 */
public final class PolicyBinder {

	/** The prefix of every policy property. */
	public static final String PREFIX = "mesh.policy";

	/** Most routes one service's policy may declare. */
	public static final int MAX_ROUTES = 1000;

	private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9a-zA-Z-]+");

	private PolicyBinder() {
	}

	/**
	 * Binds and validates.
	 * @param service the service the policy is for
	 * @param sources its property sources, highest precedence first
	 * @return the validated policy
	 * @throws PolicyException naming every error found
	 */
	public static ServicePolicy bind(String service, List<PolicySource> sources) {
		if (!ServiceNames.isValid(service)) {
			throw new PolicyException(String.valueOf(service), List.of(new PolicyError(null, "service", null,
					"'" + service + "' is not a valid service name: use lower-case letters, digits and '-', "
							+ "starting and ending with a letter or digit, at most 63 characters")));
		}
		Errors errors = new Errors(sources);
		for (PolicySource source : sources) {
			for (String key : source.properties().keySet()) {
				if (!key.startsWith(PREFIX + ".") && !key.startsWith(PREFIX + "[")) {
					errors.add(source.name(), key, source.positionOf(key),
							"unknown property: a policy file may only contain fields under '" + PREFIX + "'");
				}
			}
		}
		errors.throwIfAny(service);
		Spec spec = bindSpec(service, sources, errors);
		return validate(service, spec, errors);
	}

	private static Spec bindSpec(String service, List<PolicySource> sources, Errors errors) {
		// Routes are bound one by one, each from a source holding only its own keys: Spring
		// Boot's binder looks through every key of its source for each list element and map it
		// binds, so binding a policy of 100 routes as a whole costs 100 times its size.
		RouteKeys routeKeys = RouteKeys.of(sources);
		List<ConfigurationPropertySource> propertySources = new ArrayList<>();
		for (PolicySource source : sources) {
			Map<String, Object> tracked = new LinkedHashMap<>();
			source.properties().forEach((key, value) -> {
				if (routeKeys == null || !routeKeys.isRouteKey(key)) {
					tracked.put(key, OriginTrackedValue.of(value, new PolicyOrigin(source.name(), source.positionOf(key))));
				}
			});
			ConfigurationPropertySources.from(new OriginTrackedMapPropertySource(source.name(), tracked, true))
				.forEach(propertySources::add);
		}
		RecordingBindHandler recorder = new RecordingBindHandler();
		Spec spec;
		try {
			spec = new Binder(propertySources).bind(PREFIX, Bindable.of(Spec.class), recorder)
				.orElse(new Spec(null, null, null, null, null, null, null, null, null, null));
			if (routeKeys != null) {
				spec = new Spec(spec.timeout(), spec.subsets(), bindRoutes(routeKeys, sources, recorder, errors),
						spec.loadBalancer(), spec.retries(), spec.circuitBreaker(), spec.outlierDetection(),
						spec.healthCheck(), spec.concurrencyLimit(), spec.inbound());
			}
		}
		catch (BindException ex) {
			if (ex.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
				// The binder's own check: list elements after a gap in the indexes.
				for (ConfigurationProperty property : unbound.getUnboundProperties()) {
					PolicyOrigin origin = PolicyOrigin.of(property.getOrigin());
					String name = property.getName().toString();
					errors.add(origin.file(), name, origin.position(), unboundReason(name, sources));
				}
				errors.throwIfAny(service);
			}
			ConfigurationProperty property = ex.getProperty();
			String field = (property != null) ? property.getName().toString() : ex.getName().toString();
			if (property == null) {
				// A single value where a group of fields belongs, such as 'retries: 3'.
				errors.at(field, "expects fields under it (see docs/policy.md), not a single value");
				errors.throwIfAny(service);
			}
			PolicyOrigin origin = PolicyOrigin.of((property != null) ? property.getOrigin() : null);
			Object value = (property != null) ? property.getValue() : null;
			Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
			errors.add(origin.file(), field, origin.position(),
					"invalid value '" + value + "': " + describe(cause, ex.getTarget().getType().resolve()));
			errors.throwIfAny(service);
			throw new IllegalStateException("unreachable", ex);
		}
		reportUnbound(sources, recorder, errors);
		errors.throwIfAny(service);
		return spec;
	}

	/**
	 * Binds the routes of the list in use, element by element, as the binder binds a list:
	 * from index 0 up to the first index with nothing bound; keys of later elements are
	 * elements after a gap, reported as the binder's own check reports them.
	 * @return the routes bound
	 */
	private static List<RouteSpec> bindRoutes(RouteKeys routeKeys, List<PolicySource> sources,
			RecordingBindHandler recorder, Errors errors) {
		List<RouteSpec> routes = new ArrayList<>();
		int index = 0;
		for (; index < routeKeys.elements.size(); index++) {
			Map<String, Object> keys = routeKeys.elements.get(index);
			if (keys == null) {
				break;
			}
			ConfigurationPropertySource source = ConfigurationPropertySources
				.from(new OriginTrackedMapPropertySource(routeKeys.source.name(), keys, true))
				.iterator()
				.next();
			RouteSpec route = new Binder(source)
				.bind(PREFIX + ".routes[" + index + "]", Bindable.of(RouteSpec.class), recorder)
				.orElse(null);
			if (route == null) {
				break;
			}
			routes.add(route);
		}
		for (int rest = index; rest < routeKeys.elements.size(); rest++) {
			Map<String, Object> keys = routeKeys.elements.get(rest);
			if (keys != null) {
				for (String key : keys.keySet()) {
					String name = ConfigurationPropertyName.adapt(key, '.').toString();
					errors.add(routeKeys.source.name(), name, routeKeys.source.positionOf(key),
							unboundReason(name, sources));
				}
			}
		}
		return routes;
	}

	/**
	 * The keys of the routes list in use, by element: the list of the highest-precedence
	 * source that has one (a list in a file replaces a lower file's list whole, Spring Boot's
	 * rule). Lower sources' route keys are left out of binding, as the binder leaves them.
	 */
	private static final class RouteKeys {

		private static final ConfigurationPropertyName ROUTES = ConfigurationPropertyName.of(PREFIX + ".routes");

		private final PolicySource source;

		/** Element index to its keys (origin-tracked values); null where an index is missing. */
		private final List<Map<String, Object>> elements;

		private final Set<String> all;

		private RouteKeys(PolicySource source, List<Map<String, Object>> elements, Set<String> all) {
			this.source = source;
			this.elements = elements;
			this.all = all;
		}

		/**
		 * The route keys, or null when the routes are written in a form other than indexed
		 * elements (such as {@code routes: x}) or an index is beyond any valid policy: the binder
		 * then binds them as it always does.
		 */
		static RouteKeys of(List<PolicySource> sources) {
			PolicySource inUse = null;
			Set<String> all = new HashSet<>();
			Map<Integer, Map<String, Object>> byIndex = new TreeMap<>();
			for (PolicySource source : sources) {
				for (String key : source.properties().keySet()) {
					ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
					if (!ROUTES.isAncestorOf(name) && !ROUTES.equals(name)) {
						continue;
					}
					int element = ROUTES.getNumberOfElements();
					if (ROUTES.equals(name) || !name.isNumericIndex(element)
							|| name.getElement(element, ConfigurationPropertyName.Form.UNIFORM).length() > 9) {
						return null;
					}
					int index = Integer.parseInt(name.getElement(element, ConfigurationPropertyName.Form.UNIFORM));
					if (index > MAX_ROUTES) {
						// Beyond any valid policy (and not worth a list this long): the binder
						// reports it as an element after a gap.
						return null;
					}
					all.add(key);
					if (inUse == null) {
						inUse = source;
					}
					if (source == inUse) {
						byIndex.computeIfAbsent(index, (i) -> new LinkedHashMap<>())
							.put(key, OriginTrackedValue.of(source.properties().get(key),
									new PolicyOrigin(source.name(), source.positionOf(key))));
					}
				}
			}
			if (inUse == null) {
				return null;
			}
			List<Map<String, Object>> elements = new ArrayList<>();
			byIndex.forEach((index, keys) -> {
				while (elements.size() < index) {
					elements.add(null);
				}
				elements.add(keys);
			});
			return new RouteKeys(inUse, elements, all);
		}

		boolean isRouteKey(String key) {
			return this.all.contains(key);
		}

	}

	/**
	 * Every key that bound to nothing is an unknown field. A key under a list is checked only
	 * in the file whose list is used: a list in a higher-precedence file replaces the whole list
	 * of a lower one (Spring Boot's rule), so the lower one's elements are not errors.
	 */
	private static void reportUnbound(List<PolicySource> sources, RecordingBindHandler recorder, Errors errors) {
		ConfigurationPropertyName root = ConfigurationPropertyName.of(PREFIX);
		for (int i = 0; i < sources.size(); i++) {
			PolicySource source = sources.get(i);
			for (String key : source.properties().keySet()) {
				ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
				if (!root.isAncestorOf(name) || recorder.isBound(name)
						|| isOverriddenListElement(name, sources.subList(0, i))) {
					continue;
				}
				errors.add(source.name(), key, source.positionOf(key), unboundReason(key, sources));
			}
		}
	}

	private static boolean isOverriddenListElement(ConfigurationPropertyName name, List<PolicySource> higher) {
		for (int element = 0; element < name.getNumberOfElements(); element++) {
			if (name.isNumericIndex(element)) {
				ConfigurationPropertyName list = name.chop(element);
				for (PolicySource source : higher) {
					for (String key : source.properties().keySet()) {
						if (list.isAncestorOf(ConfigurationPropertyName.adapt(key, '.'))) {
							return true;
						}
					}
				}
				return false;
			}
		}
		return false;
	}

	/**
	 * Why a property was not bound: an unknown field, or an element of a list whose earlier
	 * elements are missing, which happens when YAML drops an empty entry such as {@code {}}.
	 */
	private static String unboundReason(String name, List<PolicySource> sources) {
		java.util.regex.Matcher index = Pattern.compile("\\[(\\d+)]").matcher(name);
		while (index.find()) {
			int position = Integer.parseInt(index.group(1));
			if (position > 0) {
				String previous = name.substring(0, index.start()) + "[" + (position - 1) + "]";
				boolean present = sources.stream()
					.flatMap((source) -> source.properties().keySet().stream())
					.anyMatch((key) -> key.startsWith(previous));
				if (!present) {
					return "element " + position + " of a list whose element " + (position - 1)
							+ " is missing or empty (YAML drops an empty entry such as '{}': give it a field)";
				}
			}
		}
		return "unknown field";
	}

	private static String describe(Throwable cause, Class<?> target) {
		if (target == Duration.class) {
			return "not a duration (use a number with a unit, such as 500ms, 2s or 1m)";
		}
		if (target == Integer.class || target == int.class) {
			return "not a whole number";
		}
		String message = cause.getMessage();
		return (message != null) ? message : cause.getClass().getSimpleName();
	}

	private static ServicePolicy validate(String service, Spec spec, Errors errors) {
		Duration timeout = ServicePolicy.DEFAULT_TIMEOUT;
		if (spec.timeout() != null) {
			if (spec.timeout().isNegative() || spec.timeout().isZero()
					|| spec.timeout().compareTo(ServicePolicy.MAX_TIMEOUT) > 0) {
				errors.at(PREFIX + ".timeout", "must be more than 0 and at most 1h, was " + format(spec.timeout()));
			}
			else {
				timeout = spec.timeout();
			}
		}
		Map<String, Subset> subsets = new LinkedHashMap<>();
		if (spec.subsets() != null) {
			spec.subsets().forEach((name, labels) -> {
				String field = PREFIX + ".subsets." + name;
				if (!ServiceNames.isValid(name)) {
					errors.at(field, "'" + name + "' is not a valid subset name: use lower-case letters, digits and '-'");
				}
				else if (labels == null || labels.isEmpty()) {
					errors.at(field, "a subset must select at least one label, such as 'version: v2'");
				}
				else if (labels.entrySet().stream().anyMatch((e) -> e.getKey().isBlank() || e.getValue() == null
						|| e.getValue().isBlank())) {
					errors.at(field, "labels and their values must not be blank");
				}
				else {
					subsets.put(name, new Subset(name, labels));
				}
			});
		}
		List<RouteRule> routes = new ArrayList<>();
		if (spec.routes() != null) {
			if (spec.routes().size() > MAX_ROUTES) {
				errors.at(PREFIX + ".routes", "at most " + MAX_ROUTES + " routes, found " + spec.routes().size());
			}
			int catchAll = -1;
			Map<String, Integer> names = new HashMap<>();
			for (int i = 0; i < spec.routes().size(); i++) {
				String field = PREFIX + ".routes[" + i + "]";
				RouteSpec route = spec.routes().get(i);
				String routeName = (route != null && route.name() != null) ? route.name() : "route-" + i;
				Integer earlier = names.putIfAbsent(routeName, i);
				if (earlier != null) {
					errors.at(field + ".name", "route name '" + routeName + "' is already used by routes[" + earlier
							+ "]; route names must be unique within a policy");
				}
				if (catchAll >= 0) {
					errors.at(field, "unreachable: routes[" + catchAll
							+ "] has no match and so takes every request; put catch-all routes last");
				}
				RouteRule rule = validateRoute(field, route, service, subsets, errors);
				if (rule != null) {
					routes.add(rule);
					if (rule.match().matchesEverything() && catchAll < 0) {
						catchAll = i;
					}
				}
			}
		}
		LoadBalancing loadBalancer = validateLoadBalancer(spec.loadBalancer(), errors);
		RetryPolicy retries = validateRetries(spec.retries(), errors);
		CircuitBreaking circuitBreaker = validateCircuitBreaker(spec.circuitBreaker(), errors);
		OutlierDetection outlierDetection = validateOutlierDetection(spec.outlierDetection(), errors);
		HealthCheck healthCheck = validateHealthCheck(spec.healthCheck(), errors);
		ConcurrencyLimit concurrencyLimit = validateConcurrencyLimit(spec.concurrencyLimit(), errors);
		RateLimit rateLimit = validateRateLimit((spec.inbound() != null) ? spec.inbound().rateLimit() : null, errors);
		errors.throwIfAny(service);
		return new ServicePolicy(service, timeout, subsets, routes, loadBalancer, retries, circuitBreaker,
				outlierDetection, healthCheck, concurrencyLimit, rateLimit);
	}

	private static ConcurrencyLimit validateConcurrencyLimit(ConcurrencyLimitSpec spec, Errors errors) {
		if (spec == null) {
			return ConcurrencyLimit.DISABLED;
		}
		String field = PREFIX + ".concurrency-limit";
		boolean enabled = spec.enabled() == null || spec.enabled();
		boolean adaptive = spec.adaptive() != null && spec.adaptive();
		if (enabled && spec.maxInFlight() == null) {
			errors.at(field + ".max-in-flight", "is required: the most calls to the service outstanding at once from "
					+ "one caller's sidecar (with adaptive: true, the highest the limit may grow to)");
			return null;
		}
		int max = count(field + ".max-in-flight", spec.maxInFlight(), 1, 1024, errors);
		int pending = count(field + ".max-pending", spec.maxPending(), 0, 0, errors);
		if (!adaptive && (spec.minInFlight() != null || spec.initialInFlight() != null)) {
			errors.at(field, "min-in-flight and initial-in-flight apply only with adaptive: true");
		}
		int min = count(field + ".min-in-flight", spec.minInFlight(), 1, Math.min(max, 4), errors);
		if (min > max) {
			errors.at(field + ".min-in-flight", "must not be more than max-in-flight (" + max + "), was " + min);
			min = Math.min(max, 4);
		}
		int initial = count(field + ".initial-in-flight", spec.initialInFlight(), 1,
				Math.max(min, Math.min(max, 20)), errors);
		if (initial < min || initial > max) {
			errors.at(field + ".initial-in-flight", "must be from min-in-flight (" + min + ") to max-in-flight (" + max
					+ "), was " + initial);
			initial = Math.max(min, Math.min(max, 20));
		}
		return new ConcurrencyLimit(enabled, max, pending, adaptive, min, adaptive ? initial : max);
	}

	private static RateLimit validateRateLimit(RateLimitSpec spec, Errors errors) {
		if (spec == null) {
			return RateLimit.DISABLED;
		}
		String field = PREFIX + ".inbound.rate-limit";
		boolean enabled = spec.enabled() == null || spec.enabled();
		Double rate = spec.requestsPerSecond();
		if (rate == null) {
			if (enabled) {
				errors.at(field + ".requests-per-second", "is required: the requests per second each instance "
						+ "accepts (per calling service with per-caller: true)");
			}
			rate = 1.0;
		}
		else if (!(rate > 0) || rate > RateLimit.MAX_RATE) {
			errors.at(field + ".requests-per-second", "must be more than 0 and at most " + (long) RateLimit.MAX_RATE
					+ ", was " + rate);
			rate = 1.0;
		}
		// Without a burst, a second's worth of requests (at least one).
		int burst = count(field + ".burst", spec.burst(), 1, (int) Math.max(1, Math.min(Math.ceil(rate),
				RateLimit.MAX_BURST)), errors);
		return new RateLimit(enabled, rate, burst, spec.perCaller() != null && spec.perCaller());
	}

	private static int count(String field, Integer value, int min, int fallback, Errors errors) {
		if (value == null) {
			return fallback;
		}
		if (value < min || value > ConcurrencyLimit.MAX) {
			errors.at(field, "must be from " + min + " to " + ConcurrencyLimit.MAX + ", was " + value);
			return fallback;
		}
		return value;
	}

	private static HealthCheck validateHealthCheck(HealthCheckSpec spec, Errors errors) {
		if (spec == null) {
			return HealthCheck.DISABLED;
		}
		HealthCheck defaults = HealthCheck.DEFAULTS;
		String field = PREFIX + ".health-check";
		boolean enabled = spec.enabled() == null || spec.enabled();
		String path = spec.path();
		if (path == null || path.isBlank()) {
			if (enabled) {
				errors.at(field + ".path", "is required: the path each endpoint answers 2xx or 3xx on while healthy, "
						+ "such as /actuator/health/readiness");
			}
			path = defaults.path();
		}
		else if (!path.startsWith("/") || path.length() > 2048 || path.chars().anyMatch((c) -> c <= ' ' || c >= 127)) {
			errors.at(field + ".path", "must start with '/' and hold no spaces or control characters, was '" + path + "'");
		}
		Duration interval = (spec.interval() != null)
				? between(field + ".interval", spec.interval(), Duration.ofMillis(100), Duration.ofHours(1), errors)
				: defaults.interval();
		Duration timeout = (spec.timeout() != null)
				? positive(field + ".timeout", spec.timeout(), Duration.ofMinutes(1), errors)
				: defaults.timeout();
		if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
			if (spec.timeout() != null) {
				errors.at(field + ".timeout", "must not be more than interval (" + format(interval) + "), was "
						+ format(timeout));
			}
			else {
				timeout = interval;
			}
		}
		int unhealthy = threshold(field + ".unhealthy-threshold", spec.unhealthyThreshold(),
				defaults.unhealthyThreshold(), errors);
		int healthy = threshold(field + ".healthy-threshold", spec.healthyThreshold(), defaults.healthyThreshold(),
				errors);
		if (interval == null || timeout == null) {
			return null;
		}
		return new HealthCheck(enabled, path, interval, timeout, unhealthy, healthy);
	}

	private static int threshold(String field, Integer value, int fallback, Errors errors) {
		if (value == null) {
			return fallback;
		}
		if (value < 1 || value > 100) {
			errors.at(field, "must be 1 to 100, was " + value);
			return fallback;
		}
		return value;
	}

	private static Duration between(String field, Duration value, Duration min, Duration max, Errors errors) {
		if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
			errors.at(field, "must be at least " + format(min) + " and at most " + format(max) + ", was "
					+ format(value));
			return null;
		}
		return value;
	}

	private static OutlierDetection validateOutlierDetection(OutlierDetectionSpec spec, Errors errors) {
		OutlierDetection defaults = OutlierDetection.DEFAULT;
		if (spec == null) {
			return defaults;
		}
		String field = PREFIX + ".outlier-detection";
		int consecutive = defaults.consecutiveFailures();
		if (spec.consecutiveFailures() != null) {
			consecutive = spec.consecutiveFailures();
			if (consecutive < 1 || consecutive > 1000) {
				errors.at(field + ".consecutive-failures", "must be 1 to 1000, was " + consecutive);
			}
		}
		Duration base = (spec.baseEjectionTime() != null)
				? positive(field + ".base-ejection-time", spec.baseEjectionTime(), Duration.ofHours(1), errors)
				: defaults.baseEjectionTime();
		Duration max = (spec.maxEjectionTime() != null)
				? positive(field + ".max-ejection-time", spec.maxEjectionTime(), Duration.ofHours(24), errors)
				: defaults.maxEjectionTime();
		if (base != null && max != null && max.compareTo(base) < 0) {
			if (spec.maxEjectionTime() != null) {
				errors.at(field + ".max-ejection-time",
						"must not be less than base-ejection-time (" + format(base) + "), was " + format(max));
			}
			else {
				max = base;
			}
		}
		int percent = defaults.maxEjectedPercent();
		if (spec.maxEjectedPercent() != null) {
			percent = spec.maxEjectedPercent();
			if (percent < 0 || percent > 100) {
				errors.at(field + ".max-ejected-percent", "must be 0 to 100, was " + percent);
			}
		}
		if (base == null || max == null) {
			return null;
		}
		return new OutlierDetection(spec.enabled() == null || spec.enabled(), consecutive, base, max, percent);
	}

	private static CircuitBreaking validateCircuitBreaker(CircuitBreakerSpec spec, Errors errors) {
		if (spec == null) {
			return CircuitBreaking.DISABLED;
		}
		CircuitBreaking defaults = CircuitBreaking.DEFAULTS;
		String field = PREFIX + ".circuit-breaker";
		float failureRate = percent(field + ".failure-rate", spec.failureRate(), defaults.failureRate(), errors);
		float slowCallRate = percent(field + ".slow-call-rate", spec.slowCallRate(), defaults.slowCallRate(), errors);
		Duration slowCallDuration = (spec.slowCallDuration() != null)
				? positive(field + ".slow-call-duration", spec.slowCallDuration(), ServicePolicy.MAX_TIMEOUT, errors)
				: defaults.slowCallDuration();
		int minimumCalls = defaults.minimumCalls();
		if (spec.minimumCalls() != null) {
			minimumCalls = spec.minimumCalls();
			if (minimumCalls < 1 || minimumCalls > 100_000) {
				errors.at(field + ".minimum-calls", "must be 1 to 100000, was " + minimumCalls);
			}
		}
		Duration window = defaults.window();
		if (spec.window() != null) {
			window = positive(field + ".window", spec.window(), Duration.ofHours(1), errors);
			if (window != null && (window.toMillis() % 1000 != 0)) {
				errors.at(field + ".window", "must be whole seconds, was " + format(window));
			}
		}
		Duration waitInOpen = (spec.waitInOpen() != null)
				? positive(field + ".wait-in-open", spec.waitInOpen(), Duration.ofHours(1), errors)
				: defaults.waitInOpen();
		int halfOpenCalls = defaults.halfOpenCalls();
		if (spec.halfOpenCalls() != null) {
			halfOpenCalls = spec.halfOpenCalls();
			if (halfOpenCalls < 1 || halfOpenCalls > 1000) {
				errors.at(field + ".half-open-calls", "must be 1 to 1000, was " + halfOpenCalls);
			}
		}
		boolean enabled = spec.enabled() == null || spec.enabled();
		if (slowCallDuration == null || window == null || waitInOpen == null) {
			return null;
		}
		return new CircuitBreaking(enabled, failureRate, slowCallRate, slowCallDuration, minimumCalls, window,
				waitInOpen, halfOpenCalls);
	}

	private static float percent(String field, Float value, float fallback, Errors errors) {
		if (value == null) {
			return fallback;
		}
		if (!(value > 0 && value <= 100)) {
			errors.at(field, "must be a percentage, more than 0 and at most 100, was " + value);
			return fallback;
		}
		return value;
	}

	private static RetryPolicy validateRetries(RetriesSpec spec, Errors errors) {
		RetryPolicy defaults = RetryPolicy.DEFAULT;
		if (spec == null) {
			return defaults;
		}
		String field = PREFIX + ".retries";
		int before = errors.count();
		int attempts = defaults.attempts();
		if (spec.attempts() != null) {
			attempts = spec.attempts();
			if (attempts < 0 || attempts > RetryPolicy.MAX_ATTEMPTS) {
				errors.at(field + ".attempts", "must be 0 to " + RetryPolicy.MAX_ATTEMPTS + ", was " + attempts);
			}
		}
		Set<RetryPolicy.Condition> on = defaults.on();
		Set<Integer> statuses = defaults.statuses();
		if (spec.retryOn() != null) {
			on = new HashSet<>();
			statuses = new HashSet<>();
			for (int i = 0; i < spec.retryOn().size(); i++) {
				String value = String.valueOf(spec.retryOn().get(i)).strip();
				String itemField = field + ".retry-on[" + i + "]";
				RetryPolicy.Condition condition = RetryPolicy.Condition.of(value);
				if (condition != null) {
					on.add(condition);
				}
				else if (value.matches("[1-5][0-9][0-9]")) {
					statuses.add(Integer.parseInt(value));
				}
				else {
					errors.at(itemField, "unknown retry condition '" + value
							+ "': use connect-failure, reset, gateway-error or a status code such as 503");
				}
			}
		}
		Duration perTryTimeout = defaults.perTryTimeout();
		if (spec.perTryTimeout() != null) {
			perTryTimeout = positive(field + ".per-try-timeout", spec.perTryTimeout(), ServicePolicy.MAX_TIMEOUT, errors);
		}
		Duration backoffBase = defaults.backoffBase();
		Duration backoffMax = defaults.backoffMax();
		if (spec.backoff() != null) {
			if (spec.backoff().base() != null) {
				backoffBase = positive(field + ".backoff.base", spec.backoff().base(), Duration.ofMinutes(1), errors);
			}
			if (spec.backoff().max() != null) {
				backoffMax = positive(field + ".backoff.max", spec.backoff().max(), Duration.ofMinutes(1), errors);
			}
			if (backoffBase != null && backoffMax != null && backoffMax.compareTo(backoffBase) < 0) {
				errors.at(field + ".backoff.max", "must not be less than backoff.base (" + format(backoffBase) + "), was "
						+ format(backoffMax));
			}
		}
		double ratio = defaults.budgetRatio();
		int minPerSecond = defaults.budgetMinPerSecond();
		Duration window = defaults.budgetWindow();
		if (spec.budget() != null) {
			if (spec.budget().ratio() != null) {
				ratio = spec.budget().ratio();
				if (!(ratio >= 0 && ratio <= 1)) {
					errors.at(field + ".budget.ratio", "must be 0 to 1 (a share of the requests), was " + ratio);
				}
			}
			if (spec.budget().minPerSecond() != null) {
				minPerSecond = spec.budget().minPerSecond();
				if (minPerSecond < 0 || minPerSecond > 100_000) {
					errors.at(field + ".budget.min-per-second", "must be 0 to 100000, was " + minPerSecond);
				}
			}
			if (spec.budget().window() != null) {
				window = positive(field + ".budget.window", spec.budget().window(), Duration.ofMinutes(10), errors);
				if (window != null && window.compareTo(Duration.ofSeconds(1)) < 0) {
					errors.at(field + ".budget.window", "must be at least 1s, was " + format(window));
				}
			}
		}
		long bufferLimit = defaults.bufferLimitBytes();
		if (spec.bufferLimit() != null) {
			bufferLimit = spec.bufferLimit().toBytes();
			if (bufferLimit < 0 || bufferLimit > 16L * 1024 * 1024) {
				errors.at(field + ".buffer-limit", "must be 0 to 16MB, was " + spec.bufferLimit());
			}
		}
		if (errors.count() != before) {
			return null;
		}
		return new RetryPolicy(attempts, on, statuses, perTryTimeout, backoffBase, backoffMax, ratio, minPerSecond,
				window, bufferLimit);
	}

	private static Duration positive(String field, Duration value, Duration max, Errors errors) {
		if (value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
			errors.at(field, "must be more than 0 and at most " + format(max) + ", was " + format(value));
			return null;
		}
		return value;
	}

	private static LoadBalancing validateLoadBalancer(LoadBalancerSpec spec, Errors errors) {
		if (spec == null) {
			return LoadBalancing.DEFAULT;
		}
		String field = PREFIX + ".load-balancer";
		LoadBalancing.Type type = LoadBalancing.DEFAULT.type();
		if (spec.type() != null) {
			type = LoadBalancing.Type.of(spec.type());
			if (type == null) {
				errors.at(field + ".type",
						"unknown load balancer '" + spec.type() + "': use one of " + LoadBalancing.Type.names());
			}
		}
		Duration decay = LoadBalancing.DEFAULT_DECAY;
		if (spec.decay() != null) {
			if (spec.decay().isNegative() || spec.decay().isZero()
					|| spec.decay().compareTo(LoadBalancing.MAX_DECAY) > 0) {
				errors.at(field + ".decay", "must be more than 0 and at most 1h, was " + format(spec.decay()));
			}
			else {
				decay = spec.decay();
			}
		}
		Duration defaultRtt = LoadBalancing.DEFAULT_RTT;
		if (spec.defaultRtt() != null) {
			if (spec.defaultRtt().isNegative() || spec.defaultRtt().isZero()
					|| spec.defaultRtt().compareTo(LoadBalancing.MAX_DEFAULT_RTT) > 0) {
				errors.at(field + ".default-rtt", "must be more than 0 and at most 1m, was " + format(spec.defaultRtt()));
			}
			else {
				defaultRtt = spec.defaultRtt();
			}
		}
		return (type != null) ? new LoadBalancing(type, decay, defaultRtt) : null;
	}

	private static RouteRule validateRoute(String field, RouteSpec route, String service, Map<String, Subset> subsets,
			Errors errors) {
		if (route == null) {
			errors.at(field, "empty route");
			return null;
		}
		int before = errors.count();
		RouteMatch match = validateMatch(field + ".match", route.match(), errors);
		Mirror mirror = validateMirror(field + ".mirror", route.mirror(), service, subsets, errors);
		List<WeightedSubset> to = new ArrayList<>();
		if (route.to() == null || route.to().isEmpty()) {
			errors.at(field + ".to", "a route needs at least one destination, such as '- subset: v1'");
		}
		else {
			Set<String> seen = new HashSet<>();
			long total = 0;
			for (int j = 0; j < route.to().size(); j++) {
				String toField = field + ".to[" + j + "]";
				DestinationSpec destination = route.to().get(j);
				String subset = (destination != null) ? destination.subset() : null;
				int weight = (destination != null && destination.weight() != null) ? destination.weight() : 1;
				if (subset != null && !subsets.containsKey(subset)) {
					errors.at(toField + ".subset", "subset '" + subset + "' is not defined in " + PREFIX + ".subsets"
							+ (subsets.isEmpty() ? " (none are)" : " (defined: " + String.join(", ", subsets.keySet()) + ")"));
				}
				if (!seen.add(String.valueOf(subset))) {
					errors.at(toField, (subset != null) ? "subset '" + subset + "' is listed twice"
							: "the whole service is listed twice");
				}
				if (weight < 0 || weight > WeightedSubset.MAX_WEIGHT) {
					errors.at(toField + ".weight",
							"must be between 0 and " + WeightedSubset.MAX_WEIGHT + ", was " + weight);
				}
				else {
					total += weight;
				}
				to.add(new WeightedSubset(subset, Math.max(0, Math.min(weight, WeightedSubset.MAX_WEIGHT))));
			}
			if (total == 0 && errors.count() == before) {
				errors.at(field + ".to", "the weights must not all be 0");
			}
		}
		boolean retryable = route.retryable() != null && route.retryable();
		FaultInjection fault = validateFault(field + ".fault", route.fault(), errors);
		HeaderRewrite requestHeaders = validateHeaders(field + ".request-headers", route.requestHeaders(), errors);
		HeaderRewrite responseHeaders = validateHeaders(field + ".response-headers", route.responseHeaders(), errors);
		PathRewrite rewrite = validateRewrite(field + ".rewrite", route.rewrite(), match, errors);
		String name = route.name();
		if (name != null && !ServiceNames.isValid(name)) {
			errors.at(field + ".name", "'" + name + "' is not a valid route name: lower-case letters, digits and '-', "
					+ "starting and ending with a letter or digit, at most 63 characters");
		}
		return (errors.count() == before)
				? new RouteRule(match, to, retryable, fault, requestHeaders, responseHeaders, rewrite, mirror, name) : null;
	}

	private static Mirror validateMirror(String field, MirrorSpec spec, String service, Map<String, Subset> subsets,
			Errors errors) {
		if (spec == null) {
			return null;
		}
		String target = (spec.service() != null) ? spec.service() : service;
		if (!ServiceNames.isValid(target)) {
			errors.at(field + ".service", "'" + target + "' is not a valid service name");
			return null;
		}
		Subset subset = null;
		if (spec.subset() != null) {
			if (!target.equals(service)) {
				errors.at(field + ".subset", "a subset can only be one of this service's (" + service
						+ "); copies to " + target + " go to all its endpoints");
				return null;
			}
			subset = subsets.get(spec.subset());
			if (subset == null) {
				errors.at(field + ".subset", "subset '" + spec.subset() + "' is not defined in " + PREFIX + ".subsets"
						+ (subsets.isEmpty() ? " (none are)" : " (defined: " + String.join(", ", subsets.keySet()) + ")"));
				return null;
			}
		}
		else if (target.equals(service)) {
			errors.at(field, "copies to the route's own service need a subset (such as the new version), "
					+ "or they would land on the instances the requests go to");
			return null;
		}
		double percentage = share(field + ".percentage", spec.percentage(), errors);
		return new Mirror(target, subset, percentage);
	}

	private static FaultInjection validateFault(String field, FaultSpec spec, Errors errors) {
		if (spec == null) {
			return FaultInjection.NONE;
		}
		if (spec.delay() == null && spec.abort() == null) {
			errors.at(field, "give a delay, an abort or both, such as 'delay: { fixed: 2s, percentage: 10 }'");
			return null;
		}
		Duration delay = null;
		double delayPercent = 0;
		if (spec.delay() != null) {
			if (spec.delay().fixed() == null) {
				errors.at(field + ".delay.fixed", "is required: how long a delayed request waits, such as 2s");
			}
			else {
				delay = positive(field + ".delay.fixed", spec.delay().fixed(), ServicePolicy.MAX_TIMEOUT, errors);
			}
			delayPercent = share(field + ".delay.percentage", spec.delay().percentage(), errors);
		}
		int abortStatus = 0;
		double abortPercent = 0;
		if (spec.abort() != null) {
			if (spec.abort().status() == null) {
				errors.at(field + ".abort.status", "is required: the status aborted requests get, such as 503");
			}
			else if (spec.abort().status() < 400 || spec.abort().status() > 599) {
				errors.at(field + ".abort.status", "must be an error status, 400 to 599, was " + spec.abort().status());
			}
			else {
				abortStatus = spec.abort().status();
			}
			abortPercent = share(field + ".abort.percentage", spec.abort().percentage(), errors);
		}
		Map<String, StringMatch> headers = validateHeaderMatches(field + ".headers", spec.headers(), errors);
		return new FaultInjection(delay, delayPercent, abortStatus, abortPercent, headers);
	}

	/** A percentage of requests, 100 when not given. */
	private static double share(String field, Double value, Errors errors) {
		if (value == null) {
			return 100;
		}
		if (!(value >= 0 && value <= 100)) {
			errors.at(field, "must be a percentage, 0 to 100, was " + value);
			return 0;
		}
		return value;
	}

	/** Headers a route may not change: the mesh's own, and those that frame the message. */
	private static boolean isReservedHeader(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		return lower.startsWith("x-trellis-") || lower.equals("host") || lower.equals("content-length")
				|| lower.equals("transfer-encoding") || lower.equals("connection") || lower.equals("upgrade")
				|| lower.equals("te") || lower.equals("trailer") || lower.equals("keep-alive");
	}

	private static HeaderRewrite validateHeaders(String field, HeadersSpec spec, Errors errors) {
		if (spec == null) {
			return HeaderRewrite.NONE;
		}
		Map<String, String> set = headerValues(field + ".set", spec.set(), errors);
		Map<String, String> add = headerValues(field + ".add", spec.add(), errors);
		List<String> remove = new ArrayList<>();
		if (spec.remove() != null) {
			for (int i = 0; i < spec.remove().size(); i++) {
				String name = spec.remove().get(i);
				if (name == null || !HEADER_NAME.matcher(name).matches()) {
					errors.at(field + ".remove[" + i + "]", "'" + name + "' is not a valid HTTP header name");
				}
				else if (isReservedHeader(name)) {
					errors.at(field + ".remove[" + i + "]", "'" + name + "' is set by the mesh or frames the message: "
							+ "a route may not change it");
				}
				else {
					remove.add(name.toLowerCase(Locale.ROOT));
				}
			}
		}
		return new HeaderRewrite(set, add, remove);
	}

	private static Map<String, String> headerValues(String field, Map<String, String> values, Errors errors) {
		Map<String, String> checked = new LinkedHashMap<>();
		if (values == null) {
			return checked;
		}
		values.forEach((name, value) -> {
			String headerField = field + "." + name;
			String text = (value != null) ? value : "";
			if (!HEADER_NAME.matcher(name).matches()) {
				errors.at(headerField, "'" + name + "' is not a valid HTTP header name");
			}
			else if (isReservedHeader(name)) {
				errors.at(headerField, "'" + name + "' is set by the mesh or frames the message: a route may not "
						+ "change it");
			}
			else if (text.chars().anyMatch((c) -> (c < ' ' && c != '\t') || c == 127)) {
				errors.at(headerField, "a header value may not hold line breaks or control characters");
			}
			else if (text.length() > 8192) {
				errors.at(headerField, "at most 8192 characters, was " + text.length());
			}
			else {
				checked.put(name.toLowerCase(Locale.ROOT), text);
			}
		});
		return checked;
	}

	private static PathRewrite validateRewrite(String field, RewriteSpec spec, RouteMatch match, Errors errors) {
		if (spec == null) {
			return null;
		}
		if ((spec.path() == null) == (spec.prefix() == null)) {
			errors.at(field, "give exactly one of path (the whole path) or prefix (the matched prefix), "
					+ "such as 'rewrite: { prefix: /v2 }'");
			return null;
		}
		String value = (spec.path() != null) ? spec.path() : spec.prefix();
		String valueField = field + ((spec.path() != null) ? ".path" : ".prefix");
		if (!value.startsWith("/") || value.chars().anyMatch((c) -> c <= ' ' || c >= 127 || c == '?' || c == '#')) {
			errors.at(valueField, "must start with '/' and hold no spaces, control characters, '?' or '#', was '"
					+ value + "'");
			return null;
		}
		if (spec.path() != null) {
			return new PathRewrite(PathRewrite.Kind.FULL_PATH, value, null);
		}
		if (match == null || match.path() == null || match.path().kind() != StringMatch.Kind.PREFIX) {
			errors.at(valueField, "replaces the prefix the route matched, so the route needs "
					+ "'match.path.prefix'; use 'rewrite.path' to replace the whole path");
			return null;
		}
		return new PathRewrite(PathRewrite.Kind.PREFIX, value, match.path().value());
	}

	/** The HTTP methods a route may match. */
	static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
			"CONNECT");

	private static RouteMatch validateMatch(String field, MatchSpec spec, Errors errors) {
		if (spec == null) {
			return RouteMatch.ANY;
		}
		StringMatch path = null;
		if (spec.path() != null) {
			path = validatePath(field + ".path", spec.path(), errors);
		}
		Set<String> methods = new java.util.LinkedHashSet<>();
		if (spec.methods() != null) {
			for (int i = 0; i < spec.methods().size(); i++) {
				String method = spec.methods().get(i);
				String upper = (method != null) ? method.trim().toUpperCase(Locale.ROOT) : "";
				if (!METHODS.contains(upper)) {
					errors.at(field + ".methods[" + i + "]", "unknown method '" + method + "': use one of "
							+ String.join(", ", new java.util.TreeSet<>(METHODS)));
				}
				else if (!methods.add(upper)) {
					errors.at(field + ".methods[" + i + "]", "method " + upper + " is listed twice");
				}
			}
		}
		Map<String, StringMatch> headers = validateHeaderMatches(field + ".headers", spec.headers(), errors);
		Map<String, StringMatch> queryParams = new LinkedHashMap<>();
		if (spec.queryParams() != null) {
			spec.queryParams().forEach((name, value) -> {
				String paramField = field + ".query-params." + name;
				if (name.isBlank() || name.length() > 256) {
					errors.at(paramField, "a query parameter name must not be blank or longer than 256 characters");
					return;
				}
				StringMatch match = validateValueMatch(paramField, value, errors);
				if (match != null) {
					queryParams.put(name, match);
				}
			});
		}
		return new RouteMatch(path, methods, headers, queryParams);
	}

	/** Header name (lower case) to how it must look: names are HTTP tokens, each at most once. */
	private static Map<String, StringMatch> validateHeaderMatches(String field, Map<String, Object> spec,
			Errors errors) {
		Map<String, StringMatch> headers = new LinkedHashMap<>();
		if (spec == null) {
			return headers;
		}
		spec.forEach((name, value) -> {
			String headerField = field + "." + name;
			if (!HEADER_NAME.matcher(name).matches()) {
				errors.at(headerField, "'" + name + "' is not a valid HTTP header name");
				return;
			}
			StringMatch match = validateValueMatch(headerField, value, errors);
			if (match != null && headers.put(name.toLowerCase(Locale.ROOT), match) != null) {
				errors.at(headerField, "header '" + name + "' is listed twice (names are case-insensitive)");
			}
		});
		return headers;
	}

	private static StringMatch validatePath(String field, PathSpec spec, Errors errors) {
		int set = ((spec.exact() != null) ? 1 : 0) + ((spec.prefix() != null) ? 1 : 0) + ((spec.regex() != null) ? 1 : 0);
		if (set != 1) {
			errors.at(field, "give exactly one of exact, prefix or regex, such as 'path: { prefix: /api }'");
			return null;
		}
		if (spec.regex() != null) {
			return compile(field + ".regex", spec.regex(), errors);
		}
		String value = (spec.exact() != null) ? spec.exact() : spec.prefix();
		String kind = (spec.exact() != null) ? "exact" : "prefix";
		if (!value.startsWith("/") || value.chars().anyMatch((c) -> c <= ' ' || c >= 127 || c == '?' || c == '#')) {
			errors.at(field + "." + kind, "must start with '/' and hold no spaces, control characters, '?' or '#', was '"
					+ value + "'");
			return null;
		}
		return (spec.exact() != null) ? StringMatch.exact(value) : StringMatch.prefix(value);
	}

	/**
	 * A header's or query parameter's match: a plain value is an exact match; otherwise exactly
	 * one of {@code exact}, {@code regex} or {@code present}.
	 */
	private static StringMatch validateValueMatch(String field, Object value, Errors errors) {
		if (value == null) {
			return StringMatch.exact("");
		}
		if (!(value instanceof Map<?, ?> fields)) {
			return StringMatch.exact(String.valueOf(value));
		}
		if (fields.size() != 1) {
			errors.at(field, "give exactly one of exact, regex or present, such as '{ regex: \"^v[0-9]+$\" }'");
			return null;
		}
		Map.Entry<?, ?> entry = fields.entrySet().iterator().next();
		String kind = String.valueOf(entry.getKey());
		Object operand = entry.getValue();
		if (operand instanceof Map<?, ?>) {
			errors.at(field + "." + kind, "expects a single value");
			return null;
		}
		String text = String.valueOf(operand);
		return switch (kind) {
			case "exact" -> StringMatch.exact(text);
			case "regex" -> compile(field + ".regex", text, errors);
			case "present" -> {
				if (!"true".equalsIgnoreCase(text) && !"false".equalsIgnoreCase(text)) {
					errors.at(field + ".present", "must be true or false, was '" + text + "'");
					yield null;
				}
				yield Boolean.parseBoolean(text.toLowerCase(Locale.ROOT)) ? StringMatch.present() : StringMatch.absent();
			}
			default -> {
				errors.at(field + "." + kind, "unknown field: use exact, regex or present");
				yield null;
			}
		};
	}

	private static StringMatch compile(String field, String regex, Errors errors) {
		if (regex.length() > 1024) {
			errors.at(field, "at most 1024 characters, was " + regex.length());
			return null;
		}
		try {
			return new StringMatch(StringMatch.Kind.REGEX, regex, java.util.regex.Pattern.compile(regex));
		}
		catch (java.util.regex.PatternSyntaxException ex) {
			errors.at(field, "not a valid regular expression: " + ex.getDescription() + " near index "
					+ ex.getIndex() + " of '" + regex + "'");
			return null;
		}
	}

	private static String format(Duration duration) {
		return duration.toString().substring(2).toLowerCase(Locale.ROOT);
	}

	/** What a policy file may contain under {@value #PREFIX}, as bound before validation. */
	record Spec(Duration timeout, Map<String, Map<String, String>> subsets, List<RouteSpec> routes,
			LoadBalancerSpec loadBalancer, RetriesSpec retries, CircuitBreakerSpec circuitBreaker,
			OutlierDetectionSpec outlierDetection, HealthCheckSpec healthCheck, ConcurrencyLimitSpec concurrencyLimit,
			InboundSpec inbound) {
	}

	record ConcurrencyLimitSpec(Boolean enabled, Integer maxInFlight, Integer maxPending, Boolean adaptive,
			Integer minInFlight, Integer initialInFlight) {
	}

	record InboundSpec(RateLimitSpec rateLimit) {
	}

	record RateLimitSpec(Boolean enabled, Double requestsPerSecond, Integer burst, Boolean perCaller) {
	}

	record HealthCheckSpec(Boolean enabled, String path, Duration interval, Duration timeout,
			Integer unhealthyThreshold, Integer healthyThreshold) {
	}

	record OutlierDetectionSpec(Boolean enabled, Integer consecutiveFailures, Duration baseEjectionTime,
			Duration maxEjectionTime, Integer maxEjectedPercent) {
	}

	record CircuitBreakerSpec(Boolean enabled, Float failureRate, Float slowCallRate, Duration slowCallDuration,
			Integer minimumCalls, Duration window, Duration waitInOpen, Integer halfOpenCalls) {
	}

	record RetriesSpec(Integer attempts, List<String> retryOn, Duration perTryTimeout, BackoffSpec backoff,
			BudgetSpec budget, DataSize bufferLimit) {
	}

	record BackoffSpec(Duration base, Duration max) {
	}

	record BudgetSpec(Double ratio, Integer minPerSecond, Duration window) {
	}

	record LoadBalancerSpec(String type, Duration decay, Duration defaultRtt) {
	}

	record RouteSpec(String name, MatchSpec match, List<DestinationSpec> to, Boolean retryable, FaultSpec fault,
			HeadersSpec requestHeaders, HeadersSpec responseHeaders, RewriteSpec rewrite, MirrorSpec mirror) {
	}

	record MirrorSpec(String service, String subset, Double percentage) {
	}

	record FaultSpec(DelaySpec delay, AbortSpec abort, Map<String, Object> headers) {
	}

	record DelaySpec(Duration fixed, Double percentage) {
	}

	record AbortSpec(Integer status, Double percentage) {
	}

	record HeadersSpec(Map<String, String> set, Map<String, String> add, List<String> remove) {
	}

	record RewriteSpec(String path, String prefix) {
	}

	record MatchSpec(PathSpec path, List<String> methods, Map<String, Object> headers,
			Map<String, Object> queryParams) {
	}

	record PathSpec(String exact, String prefix, String regex) {
	}

	record DestinationSpec(String subset, Integer weight) {
	}

	/** The file and position a bound value came from. */
	record PolicyOrigin(String file, String position) implements Origin {

		static PolicyOrigin of(Origin origin) {
			for (int depth = 0; origin != null && depth < 8; depth++) {
				if (origin instanceof PolicyOrigin policyOrigin) {
					return policyOrigin;
				}
				origin = (origin instanceof PropertySourceOrigin sourceOrigin && sourceOrigin.getOrigin() != null)
						? sourceOrigin.getOrigin() : origin.getParent();
			}
			return new PolicyOrigin(null, null);
		}

		@Override
		public String toString() {
			return (this.position != null) ? this.file + ":" + this.position : String.valueOf(this.file);
		}

	}

	/**
	 * Records what bound: every bound name, and the names bound as maps, whose keys are all
	 * bound with them.
	 */
	private static final class RecordingBindHandler extends AbstractBindHandler {

		private final Set<ConfigurationPropertyName> bound = new HashSet<>();

		private final Set<ConfigurationPropertyName> maps = new HashSet<>();

		@Override
		public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
				Object result) {
			this.bound.add(name);
			Class<?> type = target.getType().resolve();
			if (type != null && Map.class.isAssignableFrom(type)) {
				this.maps.add(name);
			}
			return super.onSuccess(name, target, context, result);
		}

		boolean isBound(ConfigurationPropertyName name) {
			if (this.bound.contains(name)) {
				return true;
			}
			for (int elements = name.getNumberOfElements() - 1; elements > 0; elements--) {
				if (this.maps.contains(name.chop(elements))) {
					return true;
				}
			}
			return false;
		}

	}

	/** Collects errors, finding for a field the file that set it. */
	private static final class Errors {

		private final List<PolicySource> sources;

		private final List<PolicyError> errors = new ArrayList<>();

		Errors(List<PolicySource> sources) {
			this.sources = sources;
		}

		void add(String file, String field, String position, String reason) {
			this.errors.add(new PolicyError(file, field, position, reason));
		}

		/** Records an error for a field, attributed to the highest-precedence file that sets it. */
		void at(String field, String reason) {
			for (PolicySource source : this.sources) {
				for (String key : source.properties().keySet()) {
					if (key.equals(field) || key.startsWith(field + ".") || key.startsWith(field + "[")) {
						add(source.name(), field, source.positionOf(key), reason);
						return;
					}
				}
			}
			add(null, field, null, reason);
		}

		int count() {
			return this.errors.size();
		}

		void throwIfAny(String service) {
			if (!this.errors.isEmpty()) {
				throw new PolicyException(service, this.errors);
			}
		}

	}

}
