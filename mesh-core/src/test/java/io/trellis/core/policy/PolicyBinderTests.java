package io.trellis.core.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PolicyBinderTests {

	@TempDir
	Path dir;

	@Test
	void bindsTimeoutSubsetsAndRoutes() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh:
				  policy:
				    timeout: 2s
				    subsets: { v1: { version: v1 }, v2: { version: v2 } }
				    routes:
				      - match: { headers: { X-Canary: "true" } }
				        to: [ { subset: v2 } ]
				      - to: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]
				""");
		assertThat(policy.timeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(policy.subsets()).containsOnlyKeys("v1", "v2");
		assertThat(policy.subsets().get("v2").labels()).isEqualTo(Map.of("version", "v2"));
		assertThat(policy.routes()).hasSize(2);
		assertThat(policy.routes().get(0).match().headers()).isEqualTo(Map.of("x-canary", StringMatch.exact("true")));
		assertThat(policy.routes().get(0).to()).containsExactly(new WeightedSubset("v2", 1));
		assertThat(policy.routes().get(1).match().matchesEverything()).isTrue();
		assertThat(policy.routes().get(1).to()).containsExactly(new WeightedSubset("v1", 90),
				new WeightedSubset("v2", 10));
		assertThat(policy.effectiveRoutes()).isEqualTo(policy.routes());
	}

	@Test
	void emptyPolicyGivesDefaultsAndRoutesToEveryEndpoint() throws IOException {
		ServicePolicy policy = bind("orders", "mesh:\n  policy: {}\n");
		assertThat(policy).isEqualTo(ServicePolicy.defaults("orders"));
		assertThat(policy.timeout()).isEqualTo(ServicePolicy.DEFAULT_TIMEOUT);
		assertThat(policy.effectiveRoutes()).containsExactly(RouteRule.TO_ALL_ENDPOINTS);
	}

	@Test
	void headerRouteWithoutCatchAllFallsBackToEveryEndpoint() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  subsets: { v2: { version: v2 } }
				  routes:
				    - match: { headers: { x-canary: "true" } }
				      to: [ { subset: v2 } ]
				""");
		assertThat(policy.effectiveRoutes()).hasSize(2).endsWith(RouteRule.TO_ALL_ENDPOINTS);
	}

	@Test
	void routesHaveTheirOwnNameOrOneByIndexAndTheAddedCatchAllIsDefault() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  subsets: { v2: { version: v2 } }
				  routes:
				    - name: canary
				      match: { headers: { x-canary: "true" } }
				      to: [ { subset: v2 } ]
				    - match: { path: { prefix: /api } }
				      to: [ { subset: v2 } ]
				""");
		List<RouteRule> routes = policy.effectiveRoutes();
		assertThat(routes.get(0).nameAt(0)).isEqualTo("canary");
		assertThat(routes.get(1).nameAt(1)).isEqualTo("route-1");
		assertThat(routes.get(2).nameAt(2)).isEqualTo(RouteRule.DEFAULT_NAME);
	}

	@Test
	void routeNamesMustBeLabelsAndUnique() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - name: Bad_Name
				      match: { path: { prefix: /a } }
				      to: [ {} ]
				    - name: same
				      match: { path: { prefix: /b } }
				      to: [ {} ]
				    - name: same
				      to: [ {} ]
				""");
		assertThat(ex.getMessage()).contains("mesh.policy.routes[0].name", "'Bad_Name' is not a valid route name",
				"mesh.policy.routes[2].name", "route name 'same' is already used by routes[1]");
	}

	@Test
	void serviceFileOverridesMeshWideDefaults() throws IOException {
		Path app = write("application.yml", "mesh.policy.timeout: 5s\n");
		Path orders = write("orders.yml", "mesh.policy.subsets.v1.version: v1\n");
		List<PolicySource> sources = new ArrayList<>(PolicyFiles.read(orders));
		sources.addAll(PolicyFiles.read(app));
		assertThat(PolicyBinder.bind("orders", sources).timeout()).isEqualTo(Duration.ofSeconds(5));

		Path override = write("orders.yml", "mesh.policy.timeout: 1s\n");
		sources = new ArrayList<>(PolicyFiles.read(override));
		sources.addAll(PolicyFiles.read(app));
		assertThat(PolicyBinder.bind("orders", sources).timeout()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void unknownFieldIsAnErrorNamingFileFieldAndLine() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh:
				  policy:
				    timeout: 2s
				    timeuot: 3s
				""");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("orders.yml");
			assertThat(error.field()).isEqualTo("mesh.policy.timeuot");
			assertThat(error.position()).startsWith("4:");
			assertThat(error.reason()).isEqualTo("unknown field");
		});
		assertThat(ex.getMessage()).contains("orders.yml:4:", "mesh.policy.timeuot", "unknown field");
	}

	@Test
	void unknownFieldInsideAListElementIsAnError() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v1, weigth: 100 } ]
				      mach: { headers: { a: b } }
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.routes[0].to[0].weigth", "mesh.policy.routes[0].mach.headers.a");
		assertThat(ex.getErrors()).allSatisfy((error) -> {
			assertThat(error.reason()).isEqualTo("unknown field");
			assertThat(error.file()).isEqualTo("orders.yml");
		});
	}

	@Test
	void listReplacedByAHigherPrecedenceFileIsNotCheckedInTheLowerOne() throws IOException {
		Path app = write("application.yml", """
				mesh.policy:
				  routes:
				    - to: [ { weight: 1 } ]
				    - to: [ { weight: 2 } ]
				""");
		Path orders = write("orders.yml", """
				mesh.policy:
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v1 } ]
				""");
		List<PolicySource> sources = new ArrayList<>(PolicyFiles.read(orders));
		sources.addAll(PolicyFiles.read(app));
		assertThat(PolicyBinder.bind("orders", sources).routes()).singleElement()
			.satisfies((route) -> assertThat(route.to()).containsExactly(new WeightedSubset("v1", 1)));
	}

	@Test
	void theMostRoutesAllowedBindInOrderWithAnErrorInTheLastNamedByIndex() throws IOException {
		StringBuilder yaml = new StringBuilder("mesh.policy:\n  subsets: { v1: { version: v1 } }\n  routes:\n");
		for (int i = 0; i < PolicyBinder.MAX_ROUTES - 1; i++) {
			yaml.append("    - match: { path: { prefix: /r").append(i).append(" }, headers: { x-tenant: t").append(i)
				.append(" } }\n      to: [ { subset: v1 } ]\n");
		}
		ServicePolicy policy = bind("orders", yaml + "    - to: [ { weight: 1 } ]\n");
		assertThat(policy.routes()).hasSize(PolicyBinder.MAX_ROUTES);
		assertThat(policy.routes().get(0).match().path().value()).isEqualTo("/r0");
		assertThat(policy.routes().get(998).match().path().value()).isEqualTo("/r998");
		assertThat(policy.routes().get(998).match().headers()).containsEntry("x-tenant", StringMatch.exact("t998"));
		PolicyException ex = bindFails("orders", yaml + "    - to: [ { weigth: 1 } ]\n");
		assertThat(ex.getErrors()).extracting(PolicyError::field).contains("mesh.policy.routes[999].to[0].weigth");
	}

	@Test
	void aRouteIndexFarBeyondTheLimitIsAnElementAfterAGap() throws IOException {
		PolicyException ex = bindFails("orders", "mesh.policy.routes[50000000].to[0].weight: 1\n");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("mesh.policy.routes[50000000].to[0].weight");
			assertThat(error.reason()).contains("element 49999999 is missing");
		});
	}

	@Test
	void routesAsASingleValueAreAnError() throws IOException {
		PolicyException ex = bindFails("orders", "mesh.policy.routes: everything\n");
		assertThat(ex.getErrors()).extracting(PolicyError::field).containsExactly("mesh.policy.routes");
	}

	@Test
	void propertyOutsideThePolicyPrefixIsAnError() throws IOException {
		PolicyException ex = bindFails("orders", "server.port: 80\n");
		assertThat(ex.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.toString()).contains("orders.yml:1:", "server.port",
					"only contain fields under 'mesh.policy'"));
	}

	@Test
	void malformedDurationNamesTheValue() throws IOException {
		PolicyException ex = bindFails("orders", "mesh.policy.timeout: soon\n");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("mesh.policy.timeout");
			assertThat(error.reason()).contains("'soon'", "not a duration");
			assertThat(error.file()).isEqualTo("orders.yml");
		});
	}

	@Test
	void nonNumericWeightNamesTheValue() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - to: [ { weight: lots } ]
				""");
		assertThat(ex.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.toString()).contains("mesh.policy.routes[0].to[0].weight",
					"'lots'", "not a whole number"));
	}

	@Test
	void outOfRangeTimeoutIsAnError() throws IOException {
		assertThat(bindFails("orders", "mesh.policy.timeout: 0s\n").getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("more than 0"));
		assertThat(bindFails("orders", "mesh.policy.timeout: 2h\n").getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("at most 1h", "2h"));
	}

	@Test
	void loadBalancerIsPeakEwmaUnlessPolicySaysOtherwise() throws IOException {
		assertThat(bind("orders", "mesh.policy.timeout: 2s\n").loadBalancer()).isEqualTo(LoadBalancing.DEFAULT);
		assertThat(LoadBalancing.DEFAULT.type()).isEqualTo(LoadBalancing.Type.PEAK_EWMA);

		ServicePolicy tuned = bind("orders", """
				mesh.policy.load-balancer:
				  type: peak-ewma
				  decay: 5s
				  default-rtt: 100ms
				""");
		assertThat(tuned.loadBalancer()).isEqualTo(
				new LoadBalancing(LoadBalancing.Type.PEAK_EWMA, Duration.ofSeconds(5), Duration.ofMillis(100)));
		assertThat(bind("orders", "mesh.policy.load-balancer.type: least-request\n").loadBalancer().type())
			.isEqualTo(LoadBalancing.Type.LEAST_REQUEST);
		assertThat(bind("orders", "mesh.policy.load-balancer.type: ROUND_ROBIN\n").loadBalancer().type())
			.isEqualTo(LoadBalancing.Type.ROUND_ROBIN);
	}

	@Test
	void badLoadBalancerSettingsAreErrorsNamingFieldAndChoices() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy.load-balancer:
				  type: random
				  decay: 0s
				  default-rtt: 2m
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactly("mesh.policy.load-balancer.type", "mesh.policy.load-balancer.decay",
					"mesh.policy.load-balancer.default-rtt");
		assertThat(ex.getErrors().get(0).reason()).contains("'random'", "peak-ewma, least-request, round-robin");
		assertThat(ex.getErrors().get(0).position()).startsWith("2:");
		assertThat(ex.getErrors().get(1).reason()).contains("more than 0");
		assertThat(ex.getErrors().get(2).reason()).contains("at most 1m", "2m");
		assertThat(bindFails("orders", "mesh.policy.load-balancer.weights: 3\n").getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.field()).isEqualTo("mesh.policy.load-balancer.weights"));
	}

	@Test
	void retriesDefaultToTwoOnConnectFailureAndResetWithLinkerdsBudget() throws IOException {
		RetryPolicy retries = bind("orders", "mesh.policy.timeout: 2s\n").retries();
		assertThat(retries).isEqualTo(RetryPolicy.DEFAULT);
		assertThat(retries.attempts()).isEqualTo(2);
		assertThat(retries.on()).containsExactlyInAnyOrder(RetryPolicy.Condition.CONNECT_FAILURE,
				RetryPolicy.Condition.RESET);
		assertThat(retries.budgetRatio()).isEqualTo(0.2);
		assertThat(retries.budgetMinPerSecond()).isEqualTo(10);
		assertThat(retries.bufferLimitBytes()).isEqualTo(64 * 1024);
		assertThat(retries.perTryTimeout()).isNull();
	}

	@Test
	void bindsEveryRetrySettingAndRetryableRoutes() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  retries:
				    attempts: 3
				    retry-on: [ connect-failure, gateway-error, 429 ]
				    per-try-timeout: 300ms
				    backoff: { base: 10ms, max: 100ms }
				    budget: { ratio: 0.1, min-per-second: 5, window: 30s }
				    buffer-limit: 1MB
				  routes:
				    - match: { headers: { x-batch: "true" } }
				      retryable: true
				      to: [ { weight: 1 } ]
				""");
		RetryPolicy retries = policy.retries();
		assertThat(retries.attempts()).isEqualTo(3);
		assertThat(retries.on()).containsExactlyInAnyOrder(RetryPolicy.Condition.CONNECT_FAILURE,
				RetryPolicy.Condition.GATEWAY_ERROR);
		assertThat(retries.statuses()).containsExactly(429);
		assertThat(retries.retriesStatus(503)).isTrue();
		assertThat(retries.retriesStatus(429)).isTrue();
		assertThat(retries.retriesStatus(500)).isFalse();
		assertThat(retries.perTryTimeout()).isEqualTo(Duration.ofMillis(300));
		assertThat(retries.backoffBase()).isEqualTo(Duration.ofMillis(10));
		assertThat(retries.backoffMax()).isEqualTo(Duration.ofMillis(100));
		assertThat(retries.budgetRatio()).isEqualTo(0.1);
		assertThat(retries.budgetMinPerSecond()).isEqualTo(5);
		assertThat(retries.budgetWindow()).isEqualTo(Duration.ofSeconds(30));
		assertThat(retries.bufferLimitBytes()).isEqualTo(1024 * 1024);
		assertThat(policy.routes().get(0).retryable()).isTrue();
		assertThat(policy.effectiveRoutes().get(1).retryable()).isFalse();
	}

	@Test
	void badRetrySettingsAreErrorsNamingTheField() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy.retries:
				  attempts: 11
				  retry-on: [ reset, sometimes, 700 ]
				  per-try-timeout: 0s
				  backoff: { base: 100ms, max: 10ms }
				  budget: { ratio: 1.5, window: 500ms }
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.retries.attempts", "mesh.policy.retries.retry-on[1]",
					"mesh.policy.retries.retry-on[2]", "mesh.policy.retries.per-try-timeout",
					"mesh.policy.retries.backoff.max", "mesh.policy.retries.budget.ratio",
					"mesh.policy.retries.budget.window");
		assertThat(ex.getErrors()).filteredOn((error) -> error.field().equals("mesh.policy.retries.retry-on[1]"))
			.singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("'sometimes'", "connect-failure"));
	}

	@Test
	void aSingleValueWhereFieldsBelongIsAnErrorNamingFileFieldAndPosition() throws IOException {
		PolicyException ex = bindFails("catalog", "mesh:\n  policy:\n    timeout: 2s\n    retries: 3\n");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("catalog.yml");
			assertThat(error.field()).isEqualTo("mesh.policy.retries");
			assertThat(error.position()).isEqualTo("4:14");
			assertThat(error.reason()).contains("not a single value");
		});
	}

	@Test
	void circuitBreakerIsOffUnlessPolicyHasOneAndTakesDefaultsForWhatItLeavesOut() throws IOException {
		assertThat(bind("orders", "mesh.policy.timeout: 2s\n").circuitBreaker().enabled()).isFalse();
		CircuitBreaking breaker = bind("orders", """
				mesh.policy.circuit-breaker:
				  failure-rate: 25
				  wait-in-open: 30s
				""").circuitBreaker();
		assertThat(breaker).isEqualTo(new CircuitBreaking(true, 25, 100, Duration.ofSeconds(5), 20,
				Duration.ofSeconds(10), Duration.ofSeconds(30), 3));
		assertThat(bind("orders", "mesh.policy.circuit-breaker.enabled: false\n").circuitBreaker().enabled())
			.isFalse();
	}

	@Test
	void badCircuitBreakerSettingsAreErrorsNamingTheField() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy.circuit-breaker:
				  failure-rate: 0
				  slow-call-rate: 120
				  minimum-calls: 0
				  window: 1500ms
				  half-open-calls: 0
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.circuit-breaker.failure-rate",
					"mesh.policy.circuit-breaker.slow-call-rate", "mesh.policy.circuit-breaker.minimum-calls",
					"mesh.policy.circuit-breaker.window", "mesh.policy.circuit-breaker.half-open-calls");
	}

	@Test
	void limitsAreOffUnlessPolicyHasThemAndTakeDefaultsForWhatItLeavesOut() throws IOException {
		ServicePolicy none = bind("orders", "mesh.policy.timeout: 2s\n");
		assertThat(none.concurrencyLimit()).isEqualTo(ConcurrencyLimit.DISABLED);
		assertThat(none.rateLimit()).isEqualTo(RateLimit.DISABLED);
		ServicePolicy fixed = bind("orders", """
				mesh.policy:
				  concurrency-limit: { max-in-flight: 50 }
				  inbound:
				    rate-limit: { requests-per-second: 2.5 }
				""");
		assertThat(fixed.concurrencyLimit()).isEqualTo(new ConcurrencyLimit(true, 50, 0, false, 4, 50));
		// Without a burst, a second's worth of requests.
		assertThat(fixed.rateLimit()).isEqualTo(new RateLimit(true, 2.5, 3, false));
		ServicePolicy adaptive = bind("orders", """
				mesh.policy:
				  concurrency-limit: { max-in-flight: 200, max-pending: 100, adaptive: true, min-in-flight: 5 }
				  inbound.rate-limit: { requests-per-second: 100, burst: 20, per-caller: true }
				""");
		assertThat(adaptive.concurrencyLimit()).isEqualTo(new ConcurrencyLimit(true, 200, 100, true, 5, 20));
		assertThat(adaptive.rateLimit()).isEqualTo(new RateLimit(true, 100, 20, true));
	}

	@Test
	void badLimitsAreRejectedNamingTheField() throws IOException {
		PolicyException missing = bindFails("orders", """
				mesh.policy:
				  concurrency-limit: { max-pending: 10 }
				  inbound.rate-limit: { burst: 10 }
				""");
		assertThat(missing.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.concurrency-limit.max-in-flight",
					"mesh.policy.inbound.rate-limit.requests-per-second");
		assertThat(missing.getErrors()).allSatisfy((error) -> assertThat(error.reason()).contains("is required"));
		PolicyException bad = bindFails("orders", """
				mesh.policy:
				  concurrency-limit: { max-in-flight: 0, max-pending: -1 }
				  inbound.rate-limit: { requests-per-second: 0, burst: 0 }
				""");
		assertThat(bad.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.concurrency-limit.max-in-flight",
					"mesh.policy.concurrency-limit.max-pending", "mesh.policy.inbound.rate-limit.requests-per-second",
					"mesh.policy.inbound.rate-limit.burst");
		PolicyException floor = bindFails("orders",
				"mesh.policy.concurrency-limit: { max-in-flight: 10, adaptive: true, min-in-flight: 20 }\n");
		assertThat(floor.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("must not be more than max-in-flight (10)"));
		PolicyException notAdaptive = bindFails("orders",
				"mesh.policy.concurrency-limit: { max-in-flight: 10, min-in-flight: 2 }\n");
		assertThat(notAdaptive.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("only with adaptive: true"));
		PolicyException unknown = bindFails("orders", "mesh.policy.inbound.authorization.allow: frontend\n");
		assertThat(unknown.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.field()).startsWith("mesh.policy.inbound.authorization"));
	}

	@Test
	void activeHealthChecksAreOffUnlessPolicyHasThemAndNeedAPath() throws IOException {
		assertThat(bind("orders", "mesh.policy.timeout: 2s\n").healthCheck()).isEqualTo(HealthCheck.DISABLED);
		HealthCheck check = bind("orders", """
				mesh.policy.health-check:
				  path: /actuator/health/readiness
				  interval: 5s
				  unhealthy-threshold: 3
				""").healthCheck();
		assertThat(check).isEqualTo(new HealthCheck(true, "/actuator/health/readiness", Duration.ofSeconds(5),
				Duration.ofSeconds(1), 3, 2));
		// A timeout longer than a short interval is cut to it when only the interval is set.
		assertThat(bind("orders", "mesh.policy.health-check: { path: /health, interval: 500ms }\n").healthCheck()
			.timeout()).isEqualTo(Duration.ofMillis(500));
		assertThat(bind("orders", "mesh.policy.health-check.enabled: false\n").healthCheck().enabled()).isFalse();
		assertThat(HealthCheck.passes(204)).isTrue();
		assertThat(HealthCheck.passes(302)).isTrue();
		assertThat(HealthCheck.passes(404)).isFalse();
		assertThat(HealthCheck.passes(503)).isFalse();

		PolicyException noPath = bindFails("orders", "mesh.policy.health-check.interval: 5s\n");
		assertThat(noPath.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("mesh.policy.health-check.path");
			assertThat(error.reason()).contains("is required");
		});
		PolicyException bad = bindFails("orders", """
				mesh.policy.health-check:
				  path: health
				  interval: 10ms
				  unhealthy-threshold: 0
				  healthy-threshold: 101
				""");
		assertThat(bad.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.health-check.path", "mesh.policy.health-check.interval",
					"mesh.policy.health-check.unhealthy-threshold", "mesh.policy.health-check.healthy-threshold");
		PolicyException longTimeout = bindFails("orders",
				"mesh.policy.health-check: { path: /health, interval: 1s, timeout: 2s }\n");
		assertThat(longTimeout.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("must not be more than interval (1s)"));
	}

	@Test
	void outlierDetectionIsOnWithEnvoysConsecutiveFailuresAndCanBeTunedOrTurnedOff() throws IOException {
		assertThat(bind("orders", "mesh.policy.timeout: 2s\n").outlierDetection()).isEqualTo(OutlierDetection.DEFAULT);
		OutlierDetection tuned = bind("orders", """
				mesh.policy.outlier-detection:
				  consecutive-failures: 3
				  base-ejection-time: 10s
				  max-ejection-time: 1m
				  max-ejected-percent: 20
				""").outlierDetection();
		assertThat(tuned).isEqualTo(new OutlierDetection(true, 3, Duration.ofSeconds(10), Duration.ofMinutes(1), 20));
		assertThat(tuned.ejectionTime(1)).isEqualTo(Duration.ofSeconds(10));
		assertThat(tuned.ejectionTime(4)).isEqualTo(Duration.ofSeconds(40));
		assertThat(tuned.ejectionTime(100)).isEqualTo(Duration.ofMinutes(1));
		assertThat(bind("orders", "mesh.policy.outlier-detection.enabled: false\n").outlierDetection().enabled())
			.isFalse();
		PolicyException ex = bindFails("orders", """
				mesh.policy.outlier-detection:
				  consecutive-failures: 0
				  base-ejection-time: 1m
				  max-ejection-time: 10s
				  max-ejected-percent: 101
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.outlier-detection.consecutive-failures",
					"mesh.policy.outlier-detection.max-ejection-time",
					"mesh.policy.outlier-detection.max-ejected-percent");
	}

	@Test
	void routeToUndefinedSubsetIsAnError() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v3 } ]
				""");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("mesh.policy.routes[0].to[0].subset");
			assertThat(error.reason()).contains("'v3'", "defined: v1");
			assertThat(error.position()).startsWith("4:");
		});
	}

	@Test
	void everyErrorIsReportedNotJustTheFirst() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { V1: { version: v1 }, v2: {} }
				  routes:
				    - to: [ { subset: v2, weight: -1 } ]
				    - to: []
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.contains("mesh.policy.subsets.V1", "mesh.policy.routes[0].to[0].subset",
					"mesh.policy.routes[0].to[0].weight", "mesh.policy.routes[1].to");
	}

	@Test
	void allZeroWeightsAreAnError() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - to: [ { subset: v1, weight: 0 }, { subset: v2, weight: 0 } ]
				""");
		assertThat(ex.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("must not all be 0"));
	}

	@Test
	void zeroWeightBesideAPositiveOneIsAllowed() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  subsets: { blue: { color: blue }, green: { color: green } }
				  routes:
				    - to: [ { subset: blue, weight: 0 }, { subset: green, weight: 100 } ]
				""");
		assertThat(policy.routes().get(0).to()).extracting(WeightedSubset::weight).containsExactly(0, 100);
	}

	@Test
	void routeAfterACatchAllIsUnreachable() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - to: [ { weight: 1 } ]
				    - match: { headers: { x-canary: "true" } }
				      to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("mesh.policy.routes[1]");
			assertThat(error.reason()).contains("unreachable", "routes[0]");
		});
	}

	@Test
	void sameSubsetTwiceInOneRouteIsAnError() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v1 }, { subset: v1 } ]
				""");
		assertThat(ex.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("listed twice"));
	}

	@Test
	void routesMatchOnPathMethodHeadersAndQueryParameters() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - match:
				        path: { prefix: /api/orders }
				        methods: [ get, HEAD ]
				        headers:
				          x-user: { regex: "^(alice|bob)$" }
				          x-debug: { present: true }
				          x-legacy: { present: false }
				          x-canary: "true"
				        query-params:
				          dryRun: { exact: "yes" }
				          v: "2"
				      to: [ { subset: v2 } ]
				    - match: { path: { regex: "/items/[0-9]+" } }
				      to: [ { subset: v2 } ]
				    - match: { path: { exact: /health } }
				      to: [ { subset: v1 } ]
				    - to: [ { subset: v1 } ]
				""");
		RouteMatch first = policy.routes().get(0).match();
		assertThat(first.path()).isEqualTo(StringMatch.prefix("/api/orders"));
		assertThat(first.methods()).containsExactlyInAnyOrder("GET", "HEAD");
		assertThat(first.headers()).containsEntry("x-user", StringMatch.regex("^(alice|bob)$"))
			.containsEntry("x-debug", StringMatch.present())
			.containsEntry("x-legacy", StringMatch.absent())
			.containsEntry("x-canary", StringMatch.exact("true"));
		assertThat(first.queryParams()).containsOnlyKeys("dryRun", "v");

		Request request = new Request("GET", "/api/orders/7", Map.of("x-user", "alice", "x-debug", "1",
				"x-canary", "true"), Map.of("dryRun", "yes", "v", "2"));
		assertThat(first.matches(request)).isTrue();
		assertThat(first.matches(request.with("POST", null, null, null))).as("method").isFalse();
		assertThat(first.matches(request.with(null, "/api/ordersX", null, null))).as("prefix by segment").isFalse();
		assertThat(first.matches(request.with(null, "/api/orders", null, null))).isTrue();
		assertThat(first.matches(request.with(null, null, "x-user", "carol"))).as("regex").isFalse();
		assertThat(first.matches(request.with(null, null, "x-legacy", "1"))).as("absent").isFalse();
		assertThat(first.matches(request.with(null, null, "x-debug", null))).as("present").isFalse();
		assertThat(first.matches(new Request("GET", "/api/orders", request.headers, Map.of("v", "2"))))
			.as("query parameter").isFalse();
		RouteMatch regex = policy.routes().get(1).match();
		assertThat(regex.matches(new Request("GET", "/items/12", Map.of(), Map.of()))).isTrue();
		assertThat(regex.matches(new Request("GET", "/items/12/x", Map.of(), Map.of()))).as("whole path").isFalse();
		RouteMatch exact = policy.routes().get(2).match();
		assertThat(exact.matches(new Request("GET", "/health", Map.of(), Map.of()))).isTrue();
		assertThat(exact.matches(new Request("GET", "/health/x", Map.of(), Map.of()))).isFalse();
	}

	@Test
	void badMatchesAreErrorsNamingTheField() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - match:
				        path: { prefix: api, regex: "x" }
				      to: [ { weight: 1 } ]
				    - match:
				        path: { regex: "/items/(" }
				        methods: [ GET, FETCH, get ]
				        headers: { x-user: { regexp: "a" }, x-b: { present: maybe } }
				        query-params: { q: { exact: a, regex: b } }
				      to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.routes[0].match.path", "mesh.policy.routes[1].match.path.regex",
					"mesh.policy.routes[1].match.methods[1]", "mesh.policy.routes[1].match.methods[2]",
					"mesh.policy.routes[1].match.headers.x-user.regexp", "mesh.policy.routes[1].match.headers.x-b.present",
					"mesh.policy.routes[1].match.query-params.q");
		assertThat(ex.getMessage()).contains("not a valid regular expression", "unknown method 'FETCH'",
				"method GET is listed twice", "exactly one of exact, prefix or regex");
	}

	@Test
	void routesInjectFaultsAndRewriteHeadersAndPaths() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  routes:
				    - match: { path: { prefix: /api/v1 } }
				      fault:
				        delay: { fixed: 2s, percentage: 12.5 }
				        abort: { status: 503 }
				        headers: { x-chaos: "on" }
				      request-headers:
				        set: { X-Tenant: blue }
				        add: { x-via: trellis }
				        remove: [ cookie ]
				      response-headers: { remove: [ server ] }
				      rewrite: { prefix: /v1 }
				      to: [ { weight: 1 } ]
				    - rewrite: { path: /fallback }
				      to: [ { weight: 1 } ]
				""");
		RouteRule first = policy.routes().get(0);
		assertThat(first.fault()).isEqualTo(new FaultInjection(Duration.ofSeconds(2), 12.5, 503, 100,
				Map.of("x-chaos", StringMatch.exact("on"))));
		assertThat(first.fault().applies((name) -> name.equals("x-chaos") ? "on" : null)).isTrue();
		assertThat(first.fault().applies((name) -> null)).isFalse();
		assertThat(first.requestHeaders()).isEqualTo(new HeaderRewrite(Map.of("x-tenant", "blue"),
				Map.of("x-via", "trellis"), List.of("cookie")));
		assertThat(first.responseHeaders().remove()).containsExactly("server");
		assertThat(first.rewrite().apply("/api/v1/orders/7")).isEqualTo("/v1/orders/7");
		assertThat(first.rewrite().apply("/api/v1")).isEqualTo("/v1");
		assertThat(policy.routes().get(1).rewrite().apply("/anything")).isEqualTo("/fallback");
		assertThat(policy.routes().get(1).fault().active()).isFalse();
		assertThat(new PathRewrite(PathRewrite.Kind.PREFIX, "/", "/api").apply("/api/x")).isEqualTo("/x");
		assertThat(new PathRewrite(PathRewrite.Kind.PREFIX, "/v2/", "/api/").apply("/api/x")).isEqualTo("/v2/x");
	}

	@Test
	void badFaultsAndRewritesAreErrorsNamingTheField() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - fault: { delay: { percentage: 120 }, abort: { status: 200 } }
				      request-headers: { set: { x-trellis-source: me, "[bad name]": x }, remove: [ host ] }
				      rewrite: { prefix: /v2 }
				      to: [ { weight: 1 } ]
				    - match: { path: { exact: /a } }
				      fault: { headers: { x-a: b } }
				      rewrite: { path: /b, prefix: /c }
				      to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.routes[0].fault.delay.fixed",
					"mesh.policy.routes[0].fault.delay.percentage", "mesh.policy.routes[0].fault.abort.status",
					"mesh.policy.routes[0].request-headers.set.x-trellis-source",
					"mesh.policy.routes[0].request-headers.set.bad name",
					"mesh.policy.routes[0].request-headers.remove[0]", "mesh.policy.routes[0].rewrite.prefix",
					"mesh.policy.routes[1].fault", "mesh.policy.routes[1].rewrite");
		assertThat(ex.getMessage()).contains("set by the mesh", "needs 'match.path.prefix'", "400 to 599");
	}

	@Test
	void routesMirrorToASubsetOrAnotherService() throws IOException {
		ServicePolicy policy = bind("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - match: { path: { prefix: /a } }
				      mirror: { subset: v2, percentage: 25 }
				      to: [ { subset: v1 } ]
				    - mirror: { service: orders-shadow }
				      to: [ { subset: v1 } ]
				""");
		assertThat(policy.routes().get(0).mirror())
			.isEqualTo(new Mirror("orders", new Subset("v2", Map.of("version", "v2")), 25));
		assertThat(policy.routes().get(1).mirror()).isEqualTo(new Mirror("orders-shadow", null, 100));
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 } }
				  routes:
				    - match: { path: { prefix: /a } }
				      mirror: { subset: v9 }
				      to: [ { weight: 1 } ]
				    - match: { path: { prefix: /b } }
				      mirror: { service: other, subset: v1 }
				      to: [ { weight: 1 } ]
				    - match: { path: { prefix: /c } }
				      mirror: { percentage: 10 }
				      to: [ { weight: 1 } ]
				    - mirror: { service: Bad_Name }
				      to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).extracting(PolicyError::field)
			.containsExactlyInAnyOrder("mesh.policy.routes[0].mirror.subset", "mesh.policy.routes[1].mirror.subset",
					"mesh.policy.routes[2].mirror", "mesh.policy.routes[3].mirror.service");
	}

	/** A request as a route match sees it. */
	record Request(String method, String path, Map<String, String> headers, Map<String, String> params)
			implements RouteMatch.RequestView {

		@Override
		public String header(String name) {
			return this.headers.get(name);
		}

		@Override
		public String queryParam(String name) {
			return this.params.get(name);
		}

		Request with(String method, String path, String header, String value) {
			Map<String, String> headers = new java.util.HashMap<>(this.headers);
			if (header != null) {
				if (value != null) {
					headers.put(header, value);
				}
				else {
					headers.remove(header);
				}
			}
			return new Request((method != null) ? method : this.method, (path != null) ? path : this.path, headers,
					this.params);
		}

	}

	@Test
	void invalidHeaderNameIsAnError() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - match: { headers: { "[bad header]": "x" } }
				      to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).singleElement()
			.satisfies((error) -> assertThat(error.reason()).contains("not a valid HTTP header name"));
	}

	@Test
	void emptyListEntryDroppedByYamlIsExplained() throws IOException {
		PolicyException ex = bindFails("orders", """
				mesh.policy:
				  routes:
				    - {}
				    - to: [ { weight: 1 } ]
				""");
		assertThat(ex.getErrors()).isNotEmpty()
			.allSatisfy((error) -> assertThat(error.reason()).contains("element 0 is missing or empty"));
	}

	@Test
	void invalidServiceNameIsAnError() {
		assertThatExceptionOfType(PolicyException.class).isThrownBy(() -> PolicyBinder.bind("Orders_1", List.of()))
			.withMessageContaining("'Orders_1' is not a valid service name");
	}

	@Test
	void malformedYamlIsReportedWithTheFileName() throws IOException {
		Path file = write("orders.yml", "mesh:\n  policy:\n    timeout: [2s\n");
		assertThatExceptionOfType(PolicyException.class).isThrownBy(() -> PolicyFiles.read(file))
			.satisfies((ex) -> assertThat(ex.getErrors()).singleElement()
				.satisfies((error) -> assertThat(error.toString()).startsWith("orders.yml").contains("cannot be read")));
	}

	@Test
	void versionDependsOnContentOnly() throws IOException {
		List<PolicySource> a = PolicyFiles.read(write("orders.yml", "mesh.policy.timeout: 2s\n"));
		List<PolicySource> same = PolicyFiles.read(write("orders.yml", "mesh:\n  policy:\n    timeout: 2s\n"));
		List<PolicySource> other = PolicyFiles.read(write("orders.yml", "mesh.policy.timeout: 3s\n"));
		assertThat(PolicyVersion.of(a)).hasSize(12).isEqualTo(PolicyVersion.of(same));
		assertThat(PolicyVersion.of(a)).isNotEqualTo(PolicyVersion.of(other));
	}

	private ServicePolicy bind(String service, String yaml) throws IOException {
		return PolicyBinder.bind(service, PolicyFiles.read(write(service + ".yml", yaml)));
	}

	private PolicyException bindFails(String service, String yaml) throws IOException {
		List<PolicySource> sources = PolicyFiles.read(write(service + ".yml", yaml));
		return org.assertj.core.api.Assertions.catchThrowableOfType(PolicyException.class,
				() -> PolicyBinder.bind(service, sources));
	}

	private Path write(String name, String content) throws IOException {
		Path file = this.dir.resolve(name);
		Files.writeString(file, content);
		return file;
	}

}
