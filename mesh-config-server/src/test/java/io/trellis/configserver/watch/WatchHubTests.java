package io.trellis.configserver.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.trellis.configserver.MutableClock;
import io.trellis.configserver.policy.PolicyDirectory;
import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.registry.ServiceRegistry;
import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.Registration;
import io.trellis.core.registry.ServiceEndpoints;
import io.trellis.core.watch.ServiceState;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchRequest.Known;
import io.trellis.core.watch.WatchResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WatchHubTests {

	private static final Duration MAX_WAIT = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private final MutableClock clock = MutableClock.startingNow();

	private PolicyDirectory policy;

	private PolicyStore store;

	private ServiceRegistry registry;

	private WatchHub hub;

	@BeforeEach
	void setUp() {
		this.policy = new PolicyDirectory(this.dir);
		this.policy.writeOrdersAndPayments();
		this.store = this.policy.store(this.clock);
		this.store.scan();
		this.registry = new ServiceRegistry(this.clock, Duration.ofSeconds(15));
		this.hub = new WatchHub(this.store, this.registry, MAX_WAIT);
		this.registry.register("orders", "o-1", new Registration("127.0.0.1", 8081, Map.of()));
	}

	@Test
	void stateNamesPolicyVersionAndEndpoints() {
		ServiceState orders = this.hub.state("orders");
		assertThat(orders.known()).isTrue();
		assertThat(orders.policyVersion()).isEqualTo(this.store.version("orders"));
		assertThat(orders.endpointsVersion()).isEqualTo(this.registry.endpoints("orders").version());
		assertThat(orders.endpoints()).containsExactly(new Endpoint("o-1", "127.0.0.1", 8081, Map.of()));
	}

	@Test
	void serviceIsKnownByItsFileOrItsEndpoints() {
		assertThat(this.hub.state("payments").known()).isTrue();
		assertThat(this.hub.state("inventory").known()).isFalse();
		assertThat(this.hub.state("inventory").policyVersion()).isEqualTo(this.store.version("inventory"));
		assertThat(this.hub.state("inventory").endpointsVersion()).isZero();

		this.registry.register("inventory", "i-1", new Registration("127.0.0.1", 8083, Map.of()));
		assertThat(this.hub.state("inventory").known()).isTrue();
	}

	@Test
	void answersAtOnceWhenHeldPolicyVersionIsOutOfDate() {
		WatchHub.Watch result = this.hub
			.watch(request(Map.of("orders", new Known("0123456789ab", endpointsVersion("orders")))));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services().get("orders").policyVersion())
			.isEqualTo(this.store.version("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void answersAtOnceWhenHeldEndpointsVersionIsOutOfDate() {
		WatchHub.Watch result = this.hub
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), endpointsVersion("orders") - 1))));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services().get("orders")).isEqualTo(this.hub.state("orders"));
	}

	@Test
	void answersAtOnceForServiceTheSidecarHoldsNothingOf() {
		WatchHub.Watch result = this.hub.watch(request(Map.of("payments", new Known(null, -1))));

		assertThat(result.isDone()).isTrue();
		ServiceState payments = response(result).services().get("payments");
		assertThat(payments.policyVersion()).isEqualTo(this.store.version("payments"));
		assertThat(payments.endpointsVersion()).isZero();
	}

	@Test
	void holdsWatchWhileEverythingIsUpToDate() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders", "payments"));

		assertThat(result.isDone()).isFalse();
		assertThat(this.hub.waiting()).isEqualTo(1);
	}

	@Test
	void registryChangeOfWatchedServiceCompletesHeldWatch() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));
		assertThat(result.isDone()).isFalse();

		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of("version", "v2")));

		assertThat(result.isDone()).isTrue();
		ServiceState orders = response(result).services().get("orders");
		assertThat(orders.endpointsVersion()).isEqualTo(endpointsVersion("orders"));
		assertThat(orders.endpoints()).extracting(Endpoint::instance).containsExactly("o-1", "o-2");
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void expiryOfWatchedServiceCompletesHeldWatch() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));

		this.clock.advance(Duration.ofSeconds(16));
		this.registry.expire();

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services().get("orders").endpoints()).isEmpty();
	}

	@Test
	void policyChangeOfWatchedServiceCompletesHeldWatch() {
		String before = this.store.version("orders");
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));
		assertThat(result.isDone()).isFalse();

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();

		assertThat(result.isDone()).isTrue();
		String after = response(result).services().get("orders").policyVersion();
		assertThat(after).isNotEqualTo(before).isEqualTo(this.store.version("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void changesOfUnwatchedServicesLeaveWatchWaiting() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));

		this.registry.register("payments", "p-1", new Registration("127.0.0.1", 8090, Map.of()));
		this.policy.write("payments.yml", "mesh.policy.timeout: 3s\n");
		assertThat(this.store.scan()).containsExactly("payments");

		assertThat(result.isDone()).isFalse();
		assertThat(this.hub.waiting()).isEqualTo(1);
	}

	@Test
	void heartbeatOrRejectedPolicyLeaveWatchWaiting() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));

		this.registry.register("orders", "o-1", new Registration("127.0.0.1", 8081, Map.of()));
		this.policy.write("orders.yml", "mesh.policy.timeout: never\n");
		this.store.scan();

		assertThat(result.isDone()).isFalse();
	}

	@Test
	void watchOfSeveralServicesIsAnsweredByAChangeToAnyAndLeavesNothingWaiting() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders", "payments"));

		this.registry.register("payments", "p-1", new Registration("127.0.0.1", 8090, Map.of()));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services()).containsOnlyKeys("orders", "payments");
		assertThat(this.hub.waiting()).isZero();
		// A later change of the other service finds nothing left to answer.
		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of()));
		assertThat(response(result).services().get("payments").endpoints()).hasSize(1);
	}

	@Test
	void changeBetweenFirstLookAndRegistrationIsNotMissed() {
		RacingRegistry racing = new RacingRegistry(this.clock);
		racing.register("orders", "o-1", new Registration("127.0.0.1", 8081, Map.of()));
		WatchHub hub = new WatchHub(this.store, racing, MAX_WAIT);
		long held = racing.endpoints("orders").version();

		// The registry changes right after the hub's first look, before it registers the watch.
		racing.registerDuringNextLook("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of()));
		WatchHub.Watch result = hub
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), held))));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services().get("orders").endpointsVersion()).isGreaterThan(held);
		assertThat(response(result).services().get("orders").endpoints()).hasSize(2);
		assertThat(hub.waiting()).isZero();
	}

	@Test
	void timeoutAnswersWithCurrentStateAndLeavesNothingWaiting() {
		WatchRequest request = upToDate("orders");
		WatchHub.Watch result = this.hub.watch(request);
		assertThat(this.hub.waiting()).isEqualTo(1);

		result.expire();

		WatchResponse response = response(result);
		assertThat(response.services().get("orders")).isEqualTo(this.hub.state("orders"));
		assertThat(response.services().get("orders").policyVersion())
			.isEqualTo(request.services().get("orders").policy());
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void aWatchWhoseCallerIsGoneLeavesNothingWaitingAndIsNotAnswered() {
		WatchHub.Watch result = this.hub.watch(upToDate("orders"));

		result.cancel();

		assertThat(this.hub.waiting()).isZero();
		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of()));
		assertThat(result.answer()).isCancelled();
	}

	@Test
	void theWarmupsAnswerAtTheEndOfTheWaitIsNothingToApply() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		WatchHub.Watch held = warming.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));

		held.expire();

		assertThat(response(held).services()).isEmpty();
		// Ending the warm-up afterwards finds nothing left to answer.
		warming.endWarmup();
		assertThat(response(held).services()).isEmpty();
	}

	@Test
	void waitIsTheRequestedOneCappedAtMaxWait() {
		assertThat(this.hub.watch(upToDate(5_000, "orders")).waitMillis()).isEqualTo(5_000);
		assertThat(this.hub.watch(upToDate(600_000, "orders")).waitMillis()).isEqualTo(MAX_WAIT.toMillis());
	}

	@Test
	void zeroWaitAnswersAtOnceWithCurrentState() {
		WatchHub.Watch result = this.hub.watch(upToDate(0, "orders"));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services().get("orders")).isEqualTo(this.hub.state("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void watchNamingNoServiceIsAnsweredAtOnce() {
		WatchHub.Watch result = this.hub.watch(new WatchRequest("s-1", Map.of(), 10_000));

		assertThat(result.isDone()).isTrue();
		assertThat(response(result).services()).isEmpty();
	}

	@Test
	void invalidServiceNameIsRejectedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.hub.watch(request(Map.of("orders", new Known(null, -1), "Pay_ments",
					new Known(null, -1)))))
			.withMessageContaining("'Pay_ments'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.hub.state("Pay_ments"))
			.withMessageContaining("'Pay_ments'");
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void watchNamingTooManyServicesIsRejected() {
		Map<String, Known> services = new HashMap<>();
		for (int i = 0; i <= WatchHub.MAX_SERVICES; i++) {
			services.put("s" + i, new Known(null, -1));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> this.hub.watch(request(services)))
			.withMessageContaining(String.valueOf(WatchHub.MAX_SERVICES + 1));
	}

	@Test
	void releaseAnswersEveryHeldWatchWithNothingToApply() {
		WatchHub.Watch held = this.hub.watch(upToDate("orders"));
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		WatchHub.Watch heldByWarmup = warming
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));

		this.hub.release();
		warming.release();

		assertThat(response(held).services()).isEmpty();
		assertThat(response(heldByWarmup).services()).isEmpty();
		assertThat(this.hub.waiting()).isZero();
		// Instances expiring as the control plane goes down no longer reach anyone.
		this.registry.deregister("orders", "o-1");
		assertThat(response(held).services()).isEmpty();
	}

	@Test
	void afterARestartSidecarsHoldingStateAreNotToldOfEndpointsUntilTheWarmupEnds() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		assertThat(warming.isWarmingUp()).isTrue();
		// The sidecar held two endpoints before the restart; only one has re-registered so far.
		WatchHub.Watch held = warming
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));
		assertThat(held.isDone()).isFalse();

		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of()));
		assertThat(held.isDone()).isFalse();

		warming.endWarmup();
		assertThat(response(held).services().get("orders").endpoints()).hasSize(2);
	}

	@Test
	void duringTheWarmupASidecarHoldingNothingIsAnsweredAtOnce() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		WatchHub.Watch result = warming.watch(request(Map.of("orders", new Known(null, -1))));
		assertThat(response(result).services().get("orders").endpoints()).hasSize(1);
	}

	@Test
	void warmupIsOverOnceItsTimeHasPassed() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(warming.isWarmingUp()).isFalse();
		WatchHub.Watch result = warming
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));
		assertThat(result.isDone()).isTrue();
	}

	@Test
	void changeOfTheMeshWideDefaultsCompletesWatchesOfServicesWithoutAFile() {
		WatchHub.Watch inventory = this.hub.watch(upToDate("inventory"));
		WatchHub.Watch orders = this.hub.watch(upToDate("orders"));
		assertThat(inventory.isDone()).isFalse();

		this.policy.write("application.yml", "mesh.policy.timeout: 9s\n");
		this.store.scan();

		assertThat(response(inventory).services().get("inventory").policyVersion())
			.isEqualTo(this.store.version("inventory"));
		// orders has a file of its own that overrides the timeout, but it reads the defaults too.
		assertThat(orders.isDone()).isTrue();
	}

	private long endpointsVersion(String service) {
		return this.registry.endpoints(service).version();
	}

	private WatchRequest upToDate(String... services) {
		return upToDate(10_000, services);
	}

	private WatchRequest upToDate(long waitMillis, String... services) {
		Map<String, Known> known = new HashMap<>();
		for (String service : services) {
			known.put(service, new Known(this.store.version(service), endpointsVersion(service)));
		}
		return new WatchRequest("sidecar-1", known, waitMillis);
	}

	private static WatchRequest request(Map<String, Known> services) {
		return new WatchRequest("sidecar-1", services, 10_000);
	}

	private static WatchResponse response(WatchHub.Watch result) {
		assertThat(result.isDone()).isTrue();
		return result.response();
	}

	/** A registry that changes a service while the hub is looking at it. */
	static final class RacingRegistry extends ServiceRegistry {

		private volatile Runnable duringNextLook;

		RacingRegistry(MutableClock clock) {
			super(clock, Duration.ofSeconds(15));
		}

		void registerDuringNextLook(String service, String instance, Registration registration) {
			this.duringNextLook = () -> register(service, instance, registration);
		}

		@Override
		public ServiceEndpoints endpoints(String service) {
			ServiceEndpoints seen = super.endpoints(service);
			Runnable change = this.duringNextLook;
			if (change != null) {
				this.duringNextLook = null;
				change.run();
			}
			return seen;
		}

	}

}
