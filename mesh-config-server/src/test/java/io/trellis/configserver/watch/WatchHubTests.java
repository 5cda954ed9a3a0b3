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
import jakarta.servlet.AsyncEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;

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
		DeferredResult<WatchResponse> result = this.hub
			.watch(request(Map.of("orders", new Known("0123456789ab", endpointsVersion("orders")))));

		assertThat(result.hasResult()).isTrue();
		assertThat(response(result).services().get("orders").policyVersion())
			.isEqualTo(this.store.version("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void answersAtOnceWhenHeldEndpointsVersionIsOutOfDate() {
		DeferredResult<WatchResponse> result = this.hub
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), endpointsVersion("orders") - 1))));

		assertThat(result.hasResult()).isTrue();
		assertThat(response(result).services().get("orders")).isEqualTo(this.hub.state("orders"));
	}

	@Test
	void answersAtOnceForServiceTheSidecarHoldsNothingOf() {
		DeferredResult<WatchResponse> result = this.hub.watch(request(Map.of("payments", new Known(null, -1))));

		assertThat(result.hasResult()).isTrue();
		ServiceState payments = response(result).services().get("payments");
		assertThat(payments.policyVersion()).isEqualTo(this.store.version("payments"));
		assertThat(payments.endpointsVersion()).isZero();
	}

	@Test
	void holdsWatchWhileEverythingIsUpToDate() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders", "payments"));

		assertThat(result.hasResult()).isFalse();
		assertThat(this.hub.waiting()).isEqualTo(1);
	}

	@Test
	void registryChangeOfWatchedServiceCompletesHeldWatch() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders"));
		assertThat(result.hasResult()).isFalse();

		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of("version", "v2")));

		assertThat(result.hasResult()).isTrue();
		ServiceState orders = response(result).services().get("orders");
		assertThat(orders.endpointsVersion()).isEqualTo(endpointsVersion("orders"));
		assertThat(orders.endpoints()).extracting(Endpoint::instance).containsExactly("o-1", "o-2");
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void expiryOfWatchedServiceCompletesHeldWatch() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders"));

		this.clock.advance(Duration.ofSeconds(16));
		this.registry.expire();

		assertThat(result.hasResult()).isTrue();
		assertThat(response(result).services().get("orders").endpoints()).isEmpty();
	}

	@Test
	void policyChangeOfWatchedServiceCompletesHeldWatch() {
		String before = this.store.version("orders");
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders"));
		assertThat(result.hasResult()).isFalse();

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();

		assertThat(result.hasResult()).isTrue();
		String after = response(result).services().get("orders").policyVersion();
		assertThat(after).isNotEqualTo(before).isEqualTo(this.store.version("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void changesOfUnwatchedServicesLeaveWatchWaiting() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders"));

		this.registry.register("payments", "p-1", new Registration("127.0.0.1", 8090, Map.of()));
		this.policy.write("payments.yml", "mesh.policy.timeout: 3s\n");
		assertThat(this.store.scan()).containsExactly("payments");

		assertThat(result.hasResult()).isFalse();
		assertThat(this.hub.waiting()).isEqualTo(1);
	}

	@Test
	void heartbeatOrRejectedPolicyLeaveWatchWaiting() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders"));

		this.registry.register("orders", "o-1", new Registration("127.0.0.1", 8081, Map.of()));
		this.policy.write("orders.yml", "mesh.policy.timeout: never\n");
		this.store.scan();

		assertThat(result.hasResult()).isFalse();
	}

	@Test
	void watchOfSeveralServicesIsAnsweredByAChangeToAnyAndLeavesNothingWaiting() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate("orders", "payments"));

		this.registry.register("payments", "p-1", new Registration("127.0.0.1", 8090, Map.of()));

		assertThat(result.hasResult()).isTrue();
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
		DeferredResult<WatchResponse> result = hub
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), held))));

		assertThat(result.hasResult()).isTrue();
		assertThat(response(result).services().get("orders").endpointsVersion()).isGreaterThan(held);
		assertThat(response(result).services().get("orders").endpoints()).hasSize(2);
		assertThat(hub.waiting()).isZero();
	}

	@Test
	void timeoutAnswersWithCurrentStateAndLeavesNothingWaiting() {
		WatchRequest request = upToDate("orders");
		DeferredResult<WatchResponse> result = this.hub.watch(request);
		AsyncRequest async = AsyncRequest.start(result);

		async.timeOut();

		assertThat(async.manager.hasConcurrentResult()).isTrue();
		WatchResponse response = (WatchResponse) async.manager.getConcurrentResult();
		assertThat(response.services().get("orders")).isEqualTo(this.hub.state("orders"));
		assertThat(response.services().get("orders").policyVersion())
			.isEqualTo(request.services().get("orders").policy());
		async.complete();
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void waitIsTheRequestedOneCappedAtMaxWait() {
		AsyncRequest shortWait = AsyncRequest.start(this.hub.watch(upToDate(5_000, "orders")));
		AsyncRequest longWait = AsyncRequest.start(this.hub.watch(upToDate(600_000, "orders")));

		assertThat(shortWait.context().getTimeout()).isEqualTo(5_000);
		assertThat(longWait.context().getTimeout()).isEqualTo(MAX_WAIT.toMillis());
	}

	@Test
	void zeroWaitAnswersAtOnceWithCurrentState() {
		DeferredResult<WatchResponse> result = this.hub.watch(upToDate(0, "orders"));

		assertThat(result.hasResult()).isTrue();
		assertThat(response(result).services().get("orders")).isEqualTo(this.hub.state("orders"));
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void watchNamingNoServiceIsAnsweredAtOnce() {
		DeferredResult<WatchResponse> result = this.hub.watch(new WatchRequest("s-1", Map.of(), 10_000));

		assertThat(result.hasResult()).isTrue();
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
		DeferredResult<WatchResponse> held = this.hub.watch(upToDate("orders"));
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		DeferredResult<WatchResponse> heldByWarmup = warming
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
		DeferredResult<WatchResponse> held = warming
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));
		assertThat(held.hasResult()).isFalse();

		this.registry.register("orders", "o-2", new Registration("127.0.0.1", 8082, Map.of()));
		assertThat(held.hasResult()).isFalse();

		warming.endWarmup();
		assertThat(response(held).services().get("orders").endpoints()).hasSize(2);
	}

	@Test
	void duringTheWarmupASidecarHoldingNothingIsAnsweredAtOnce() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		DeferredResult<WatchResponse> result = warming.watch(request(Map.of("orders", new Known(null, -1))));
		assertThat(response(result).services().get("orders").endpoints()).hasSize(1);
	}

	@Test
	void warmupIsOverOnceItsTimeHasPassed() {
		WatchHub warming = new WatchHub(this.store, this.registry, MAX_WAIT, this.clock, Duration.ofSeconds(10));
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(warming.isWarmingUp()).isFalse();
		DeferredResult<WatchResponse> result = warming
			.watch(request(Map.of("orders", new Known(this.store.version("orders"), 1234))));
		assertThat(result.hasResult()).isTrue();
	}

	@Test
	void changeOfTheMeshWideDefaultsCompletesWatchesOfServicesWithoutAFile() {
		DeferredResult<WatchResponse> inventory = this.hub.watch(upToDate("inventory"));
		DeferredResult<WatchResponse> orders = this.hub.watch(upToDate("orders"));
		assertThat(inventory.hasResult()).isFalse();

		this.policy.write("application.yml", "mesh.policy.timeout: 9s\n");
		this.store.scan();

		assertThat(response(inventory).services().get("inventory").policyVersion())
			.isEqualTo(this.store.version("inventory"));
		// orders has a file of its own that overrides the timeout, but it reads the defaults too.
		assertThat(orders.hasResult()).isTrue();
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

	private static WatchResponse response(DeferredResult<WatchResponse> result) {
		assertThat(result.hasResult()).isTrue();
		return (WatchResponse) result.getResult();
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

	/** Drives a DeferredResult through Spring MVC's async handling, as the servlet container would. */
	static final class AsyncRequest {

		final MockHttpServletRequest request = new MockHttpServletRequest();

		final StandardServletAsyncWebRequest asyncWebRequest;

		final WebAsyncManager manager;

		private AsyncRequest() {
			this.request.setAsyncSupported(true);
			this.asyncWebRequest = new StandardServletAsyncWebRequest(this.request, new MockHttpServletResponse());
			this.manager = WebAsyncUtils.getAsyncManager(this.request);
			this.manager.setAsyncWebRequest(this.asyncWebRequest);
		}

		static AsyncRequest start(DeferredResult<?> result) {
			AsyncRequest async = new AsyncRequest();
			try {
				async.manager.startDeferredResultProcessing(result);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			return async;
		}

		MockAsyncContext context() {
			return (MockAsyncContext) this.request.getAsyncContext();
		}

		void timeOut() {
			try {
				this.asyncWebRequest.onTimeout(new AsyncEvent(context()));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

		void complete() {
			try {
				this.asyncWebRequest.onComplete(new AsyncEvent(context()));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
