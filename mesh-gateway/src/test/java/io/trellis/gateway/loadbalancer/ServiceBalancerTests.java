package io.trellis.gateway.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.policy.LoadBalancing.Type;
import io.trellis.core.policy.OutlierDetection;
import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.ServiceEndpoints;
import io.trellis.gateway.discovery.EndpointRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceBalancerTests {

	private static final LoadBalancing PEAK_EWMA = LoadBalancing.DEFAULT;

	private static final LoadBalancing LEAST_REQUEST = new LoadBalancing(Type.LEAST_REQUEST,
			LoadBalancing.DEFAULT_DECAY, LoadBalancing.DEFAULT_RTT);

	private static final LoadBalancing ROUND_ROBIN = new LoadBalancing(Type.ROUND_ROBIN, LoadBalancing.DEFAULT_DECAY,
			LoadBalancing.DEFAULT_RTT);

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final EndpointRegistry registry = new EndpointRegistry();

	private ServiceBalancer balancer;

	private List<ServiceInstance> instances;

	@BeforeEach
	void setUp() {
		this.registry.update(new ServiceEndpoints("orders", 1, List.of(endpoint("o-1"), endpoint("o-2"),
				endpoint("o-3"))));
		SubsetServiceInstanceListSupplier supplier = new SubsetServiceInstanceListSupplier("orders", this.registry);
		this.balancer = new ServiceBalancer("orders", supplier, this.now::get);
		this.instances = supplier.all();
	}

	@Test
	void peakEwmaSendsLittleToAnEndpointThatAnswersSlowly() {
		Map<String, Integer> counts = run(PEAK_EWMA, 3000, Map.of("o-1", 2, "o-2", 2, "o-3", 50));

		assertThat(counts.getOrDefault("o-3", 0)).as("share of the slow endpoint of %s", counts).isLessThan(60);
		assertThat(counts.get("o-1")).isGreaterThan(1000);
		assertThat(counts.get("o-2")).isGreaterThan(1000);
	}

	@Test
	void roundRobinSendsToEachInTurnWhateverTheLatency() {
		Map<String, Integer> counts = run(ROUND_ROBIN, 3000, Map.of("o-1", 2, "o-2", 2, "o-3", 50));

		assertThat(counts).containsOnly(Map.entry("o-1", 1000), Map.entry("o-2", 1000), Map.entry("o-3", 1000));
	}

	@Test
	void leastRequestAvoidsTheEndpointWithTheMostRequestsInFlight() {
		ServiceInstance busy = this.instances.get(2);
		for (int i = 0; i < 10; i++) {
			this.balancer.begin(busy, LEAST_REQUEST);
		}
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 1000; i++) {
			ServiceInstance chosen = this.balancer.choose(this.instances, LEAST_REQUEST);
			ServiceBalancer.Call call = this.balancer.begin(chosen, LEAST_REQUEST);
			call.responded();
			counts.merge(chosen.getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).doesNotContainKey("o-3");
	}

	@Test
	void aSlowEndpointLeftAloneIsTriedAgainOnceItsEstimateHasDecayed() {
		run(PEAK_EWMA, 300, Map.of("o-1", 2, "o-2", 2, "o-3", 50));
		ServiceInstance slow = this.instances.get(2);
		assertThat(estimateMillis(slow)).isGreaterThan(20);

		// Idle for a minute (six decay times): what was learned has faded.
		this.now.addAndGet(Duration.ofSeconds(60).toNanos());

		assertThat(estimateMillis(slow)).isLessThan(1);
		Map<String, Integer> counts = run(PEAK_EWMA, 60, Map.of("o-1", 2, "o-2", 2, "o-3", 2));
		assertThat(counts.get("o-3")).isGreaterThan(5);
	}

	@Test
	void theEstimateJumpsToASlowAnswerAndComesDownGradually() {
		ServiceInstance endpoint = this.instances.get(0);
		answer(endpoint, PEAK_EWMA, 2);
		answer(endpoint, PEAK_EWMA, 2);
		answer(endpoint, PEAK_EWMA, 200);
		assertThat(estimateMillis(endpoint)).isBetween(199.0, 200.1);

		answer(endpoint, PEAK_EWMA, 2);
		double afterOneFast = estimateMillis(endpoint);
		assertThat(afterOneFast).isLessThan(200).isGreaterThan(150);
		// Fast answers for one decay time (10 s): the spike has faded to about 1/e.
		for (int i = 0; i < 5000; i++) {
			answer(endpoint, PEAK_EWMA, 2);
		}
		assertThat(estimateMillis(endpoint)).isBetween(60.0, 90.0);
		for (int i = 0; i < 15000; i++) {
			answer(endpoint, PEAK_EWMA, 2);
		}
		assertThat(estimateMillis(endpoint)).isLessThan(12);
	}

	@Test
	void aConnectionFailureCountsAsASlowAnswerSoTheEndpointIsAvoided() {
		ServiceInstance failing = this.instances.get(1);
		ServiceBalancer.Call call = this.balancer.begin(failing, PEAK_EWMA);
		this.now.addAndGet(Duration.ofMillis(1).toNanos());
		call.failed();

		assertThat(estimateMillis(failing)).isGreaterThanOrEqualTo(999);
		Map<String, Integer> counts = run(PEAK_EWMA, 1000, Map.of("o-1", 2, "o-2", 2, "o-3", 2));
		assertThat(counts.getOrDefault("o-2", 0)).isLessThan(20);
	}

	@Test
	void aRequestGivenUpRaisesTheEstimateOnlyIfItWaitedLonger() {
		ServiceInstance endpoint = this.instances.get(0);
		answer(endpoint, PEAK_EWMA, 10);
		double before = estimateMillis(endpoint);
		ServiceBalancer.Call early = this.balancer.begin(endpoint, PEAK_EWMA);
		early.cancelled();
		assertThat(estimateMillis(endpoint)).isEqualTo(before);

		ServiceBalancer.Call late = this.balancer.begin(endpoint, PEAK_EWMA);
		this.now.addAndGet(Duration.ofMillis(500).toNanos());
		late.cancelled();
		assertThat(estimateMillis(endpoint)).isBetween(490.0, 500.1);
	}

	@Test
	void everyRequestEndsOnceAndLeavesNothingInFlight() {
		ServiceInstance endpoint = this.instances.get(0);
		ServiceBalancer.Call call = this.balancer.begin(endpoint, PEAK_EWMA);
		call.responded();
		call.failed();
		call.cancelled();
		assertThat(this.balancer.describe(PEAK_EWMA).get("o-1")).containsEntry("inFlight", 0)
			.containsEntry("responses", 1L);
	}

	@Test
	void oneOrNoEndpoint() {
		assertThat(this.balancer.choose(List.of(), PEAK_EWMA)).isNull();
		assertThat(this.balancer.choose(List.of(this.instances.get(1)), PEAK_EWMA)).isSameAs(this.instances.get(1));
	}

	@Test
	void forgetsEndpointsThatAreGone() {
		run(PEAK_EWMA, 30, Map.of("o-1", 2, "o-2", 2, "o-3", 2));
		assertThat(this.balancer.describe(PEAK_EWMA)).containsOnlyKeys("o-1", "o-2", "o-3");

		this.balancer.retainOnly(this.instances.subList(0, 1));

		assertThat(this.balancer.describe(PEAK_EWMA)).containsOnlyKeys("o-1");
	}

	private static final OutlierDetection DETECTION = new OutlierDetection(true, 3, Duration.ofSeconds(2),
			Duration.ofSeconds(5), 50);

	@Test
	void consecutiveFailuresEjectAnEndpointThatComesBackThroughOneProbe() {
		ServiceInstance failing = this.instances.get(0);
		for (int i = 0; i < 3; i++) {
			end(failing, 503);
		}
		assertThat(state(failing)).containsEntry("ejected", true).containsEntry("timesEjected", 1);
		assertThat(chosen(300)).doesNotContainKey("o-1");

		this.now.addAndGet(Duration.ofMillis(2001).toNanos());
		assertThat(state(failing)).containsEntry("ejected", false).containsEntry("onProbation", true);
		// One probe at a time: the endpoint is not chosen while its probe is out.
		ServiceBalancer.Call probe = this.balancer.begin(failing, PEAK_EWMA, DETECTION);
		assertThat(probe.isProbe()).isTrue();
		assertThat(this.balancer.inService(this.instances, DETECTION, PEAK_EWMA)).doesNotContain(failing);
		probe.responded(200);

		assertThat(state(failing)).containsEntry("onProbation", false).containsEntry("ejected", false);
		assertThat(chosen(300)).containsKey("o-1");
	}

	@Test
	void aFailedProbeEjectsAgainForLongerUpToTheMaximum() {
		ServiceInstance failing = this.instances.get(0);
		for (int i = 0; i < 3; i++) {
			end(failing, 502);
		}
		this.now.addAndGet(Duration.ofMillis(2001).toNanos());
		this.balancer.begin(failing, PEAK_EWMA, DETECTION).failed();
		assertThat(state(failing)).containsEntry("ejected", true).containsEntry("timesEjected", 2);
		assertThat((long) state(failing).get("ejectedForMillis")).isBetween(3900L, 4000L);

		this.now.addAndGet(Duration.ofMillis(4001).toNanos());
		this.balancer.begin(failing, PEAK_EWMA, DETECTION).responded(500);
		assertThat((long) state(failing).get("ejectedForMillis")).as("3 × 2 s, capped at 5 s").isBetween(4900L, 5000L);
	}

	@Test
	void successesInBetweenResetTheCountAndNoMoreThanTheMaximumShareIsEjected() {
		ServiceInstance first = this.instances.get(0);
		end(first, 503);
		end(first, 503);
		end(first, 200);
		end(first, 503);
		assertThat(state(first)).containsEntry("ejected", false);

		for (ServiceInstance instance : this.instances) {
			for (int i = 0; i < 3; i++) {
				end(instance, 503);
			}
		}
		// 50% of three endpoints: one may be out at a time.
		long ejected = this.instances.stream().filter((i) -> (boolean) state(i).get("ejected")).count();
		assertThat(ejected).isEqualTo(1);
	}

	@Test
	void withEveryCandidateEjectedAllAreUsedAndTurningDetectionOffBringsThemBack() {
		ServiceInstance only = this.instances.get(0);
		for (int i = 0; i < 3; i++) {
			end(only, 503);
		}
		assertThat(this.balancer.inService(List.of(only), DETECTION, PEAK_EWMA)).containsExactly(only);

		OutlierDetection off = new OutlierDetection(false, 3, Duration.ofSeconds(2), Duration.ofSeconds(5), 50);
		assertThat(this.balancer.inService(this.instances, off, PEAK_EWMA)).hasSize(3);
		assertThat(state(only)).containsEntry("ejected", false).containsEntry("onProbation", false);
	}

	private void end(ServiceInstance instance, int status) {
		this.balancer.begin(instance, PEAK_EWMA, DETECTION).responded(status);
	}

	private Map<String, Object> state(ServiceInstance instance) {
		return this.balancer.describe(PEAK_EWMA).get(instance.getInstanceId());
	}

	private Map<String, Integer> chosen(int requests) {
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < requests; i++) {
			ServiceInstance chosen = this.balancer
				.choose(this.balancer.inService(this.instances, DETECTION, PEAK_EWMA), PEAK_EWMA);
			counts.merge(chosen.getInstanceId(), 1, Integer::sum);
			this.balancer.begin(chosen, PEAK_EWMA, DETECTION).responded(200);
		}
		return counts;
	}

	/** Sends {@code requests} one after the other, each answered after its endpoint's latency. */
	private Map<String, Integer> run(LoadBalancing settings, int requests, Map<String, Integer> latencyMillis) {
		Map<String, Integer> counts = new HashMap<>();
		List<ServiceBalancer.Call> inFlight = new ArrayList<>();
		for (int i = 0; i < requests; i++) {
			ServiceInstance chosen = this.balancer.choose(this.instances, settings);
			counts.merge(chosen.getInstanceId(), 1, Integer::sum);
			answer(chosen, settings, latencyMillis.get(chosen.getInstanceId()));
			inFlight.clear();
		}
		return counts;
	}

	private void answer(ServiceInstance endpoint, LoadBalancing settings, int millis) {
		ServiceBalancer.Call call = this.balancer.begin(endpoint, settings);
		this.now.addAndGet(Duration.ofMillis(millis).toNanos());
		call.responded();
	}

	private double estimateMillis(ServiceInstance endpoint) {
		return (double) this.balancer.describe(PEAK_EWMA).get(endpoint.getInstanceId()).get("latencyEstimateMillis");
	}

	private static Endpoint endpoint(String instance) {
		return new Endpoint(instance, "127.0.0.1", 8000 + instance.hashCode() % 100, Map.of());
	}

}
