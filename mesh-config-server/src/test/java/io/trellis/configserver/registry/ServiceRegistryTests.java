package io.trellis.configserver.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.trellis.configserver.MutableClock;
import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.Registration;
import io.trellis.core.registry.ServiceEndpoints;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ServiceRegistryTests {

	private static final Duration TTL = Duration.ofSeconds(15);

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final ServiceRegistry registry = new ServiceRegistry(this.clock, TTL);

	private final List<String> notified = new ArrayList<>();

	ServiceRegistryTests() {
		this.registry.addListener(this.notified::add);
	}

	@Test
	void registeredInstancesAreListedByInstanceId() {
		assertThat(this.registry.register("orders", "b", registration(8082, Map.of("version", "v2")))).isTrue();
		assertThat(this.registry.register("orders", "a", registration(8081, Map.of("version", "v1")))).isTrue();

		ServiceEndpoints endpoints = this.registry.endpoints("orders");
		assertThat(endpoints.service()).isEqualTo("orders");
		assertThat(endpoints.endpoints()).containsExactly(
				new Endpoint("a", "127.0.0.1", 8081, Map.of("version", "v1")),
				new Endpoint("b", "127.0.0.1", 8082, Map.of("version", "v2")));
		assertThat(this.registry.hasEndpoints("orders")).isTrue();
		assertThat(this.registry.services()).containsExactly("orders");
	}

	@Test
	void serviceNeverRegisteredHasNoEndpointsAtVersionZero() {
		assertThat(this.registry.endpoints("payments")).isEqualTo(new ServiceEndpoints("payments", 0, List.of()));
		assertThat(this.registry.hasEndpoints("payments")).isFalse();
	}

	@Test
	void renewalWithSameEndpointKeepsVersionAndNotifiesNobody() {
		this.registry.register("orders", "a", registration(8081, Map.of("version", "v1")));
		long version = this.registry.endpoints("orders").version();
		this.notified.clear();

		this.clock.advance(Duration.ofSeconds(5));
		assertThat(this.registry.register("orders", "a", registration(8081, Map.of("version", "v1")))).isFalse();

		assertThat(this.registry.endpoints("orders").version()).isEqualTo(version);
		assertThat(this.notified).isEmpty();
	}

	@Test
	void changedPortOrLabelsGiveNewVersion() {
		this.registry.register("orders", "a", registration(8081, Map.of("version", "v1")));
		long first = this.registry.endpoints("orders").version();

		assertThat(this.registry.register("orders", "a", registration(9091, Map.of("version", "v1")))).isTrue();
		long second = this.registry.endpoints("orders").version();
		assertThat(this.registry.register("orders", "a", registration(9091, Map.of("version", "v2")))).isTrue();
		long third = this.registry.endpoints("orders").version();

		assertThat(second).isGreaterThan(first);
		assertThat(third).isGreaterThan(second);
		assertThat(this.registry.endpoints("orders").endpoints()).singleElement()
			.isEqualTo(new Endpoint("a", "127.0.0.1", 9091, Map.of("version", "v2")));
		assertThat(this.notified).containsExactly("orders", "orders", "orders");
	}

	@Test
	void deregisterRemovesInstanceWithNewVersion() {
		this.registry.register("orders", "a", registration(8081, Map.of()));
		this.registry.register("orders", "b", registration(8082, Map.of()));
		long before = this.registry.endpoints("orders").version();
		this.notified.clear();

		assertThat(this.registry.deregister("orders", "a")).isTrue();

		ServiceEndpoints after = this.registry.endpoints("orders");
		assertThat(after.endpoints()).extracting(Endpoint::instance).containsExactly("b");
		assertThat(after.version()).isGreaterThan(before);
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void deregisteringUnknownInstanceChangesNothing() {
		this.registry.register("orders", "a", registration(8081, Map.of()));
		long before = this.registry.endpoints("orders").version();
		this.notified.clear();

		assertThat(this.registry.deregister("orders", "zz")).isFalse();
		assertThat(this.registry.deregister("payments", "a")).isFalse();

		assertThat(this.registry.endpoints("orders").version()).isEqualTo(before);
		assertThat(this.notified).isEmpty();
	}

	@Test
	void versionsNeverRepeatAcrossServicesAndReRegistration() {
		Set<Long> seen = new HashSet<>();
		List<Long> ordersVersions = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			this.registry.register("orders", "a", registration(8081, Map.of()));
			ordersVersions.add(this.registry.endpoints("orders").version());
			this.registry.register("payments", "p" + i, registration(8090 + i, Map.of()));
			assertThat(seen.add(this.registry.endpoints("payments").version())).isTrue();
			this.registry.deregister("orders", "a");
			ordersVersions.add(this.registry.endpoints("orders").version());
		}
		// The same endpoint set seen again (empty, then 'a' alone) must not reuse an old
		// version, or a sidecar holding that old version would miss the change.
		assertThat(ordersVersions).isSorted().doesNotHaveDuplicates();
		assertThat(seen).doesNotContainAnyElementsOf(ordersVersions);
	}

	@Test
	void instanceSilentLongerThanTtlExpires() {
		this.registry.register("orders", "silent", registration(8081, Map.of()));
		this.registry.register("orders", "alive", registration(8082, Map.of()));
		long before = this.registry.endpoints("orders").version();
		this.notified.clear();

		this.clock.advance(TTL.minusSeconds(1));
		this.registry.register("orders", "alive", registration(8082, Map.of()));
		this.clock.advance(Duration.ofSeconds(1));
		this.registry.expire();
		assertThat(this.registry.endpoints("orders").endpoints()).hasSize(2);
		assertThat(this.notified).isEmpty();

		this.clock.advance(Duration.ofMillis(1));
		this.registry.expire();

		ServiceEndpoints after = this.registry.endpoints("orders");
		assertThat(after.endpoints()).extracting(Endpoint::instance).containsExactly("alive");
		assertThat(after.version()).isGreaterThan(before);
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void heartbeatsKeepInstanceRegisteredPastTtl() {
		this.registry.register("orders", "a", registration(8081, Map.of()));
		for (int i = 0; i < 5; i++) {
			this.clock.advance(TTL.minusSeconds(1));
			this.registry.register("orders", "a", registration(8081, Map.of()));
			this.registry.expire();
		}
		assertThat(this.registry.hasEndpoints("orders")).isTrue();

		this.clock.advance(TTL.plusMillis(1));
		this.registry.expire();
		assertThat(this.registry.hasEndpoints("orders")).isFalse();
	}

	@Test
	void expiryWithNothingExpiredNotifiesNobody() {
		this.registry.register("orders", "a", registration(8081, Map.of()));
		this.notified.clear();
		this.registry.expire();
		this.registry.expire();
		assertThat(this.notified).isEmpty();
	}

	@Test
	void failingListenerDoesNotKeepOthersFromHearing() {
		ServiceRegistry registry = new ServiceRegistry(this.clock, TTL);
		List<String> heard = new ArrayList<>();
		registry.addListener((service) -> {
			throw new IllegalStateException("boom");
		});
		registry.addListener(heard::add);

		assertThat(registry.register("orders", "a", registration(8081, Map.of()))).isTrue();

		assertThat(heard).containsExactly("orders");
		assertThat(registry.hasEndpoints("orders")).isTrue();
	}

	@Test
	void invalidServiceNameIsRejectedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("Orders_Service", "a", registration(8081, Map.of())))
			.withMessageContaining("'Orders_Service'")
			.withMessageContaining("not a valid service name");
		assertThat(this.registry.services()).isEmpty();
		assertThat(this.notified).isEmpty();
	}

	@Test
	void portOutOfRangeIsRejectedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("orders", "a", registration(0, Map.of())))
			.withMessageContaining("port")
			.withMessageContaining("was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("orders", "a", registration(65536, Map.of())))
			.withMessageContaining("was 65536");
		assertThat(this.registry.hasEndpoints("orders")).isFalse();
		assertThat(this.notified).isEmpty();
	}

	@Test
	void missingOrBlankHostIsRejectedNamingTheField() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("orders", "a", new Registration(null, 8081, Map.of())))
			.withMessageContaining("host");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("orders", "a", new Registration(" ", 8081, Map.of())))
			.withMessageContaining("host");
		assertThat(this.registry.hasEndpoints("orders")).isFalse();
	}

	@Test
	void blankInstanceIdIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.register("orders", " ", registration(8081, Map.of())))
			.withMessageContaining("instance");
	}

	private static Registration registration(int port, Map<String, String> labels) {
		return new Registration("127.0.0.1", port, labels);
	}

}
