package io.trellis.configserver.status;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import io.trellis.configserver.MutableClock;
import io.trellis.configserver.policy.PolicyDirectory;
import io.trellis.configserver.policy.PolicyStore;
import io.trellis.core.sync.PolicyAck;
import io.trellis.core.sync.SidecarStatus;
import io.trellis.core.sync.SidecarStatus.PolicySync;
import io.trellis.core.sync.SyncReport;
import io.trellis.core.sync.SyncState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SyncStatusRegistryTests {

	private static final Duration STALE_AFTER = Duration.ofSeconds(30);

	private static final Duration FORGET_AFTER = Duration.ofMinutes(10);

	@TempDir
	Path dir;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private PolicyDirectory policy;

	private PolicyStore store;

	private SyncStatusRegistry status;

	@BeforeEach
	void setUp() {
		this.policy = new PolicyDirectory(this.dir);
		this.policy.writeOrdersAndPayments();
		this.store = this.policy.store(this.clock);
		this.store.scan();
		this.status = new SyncStatusRegistry(this.store, this.clock, STALE_AFTER, FORGET_AFTER);
	}

	@Test
	void syncedWhenAppliedVersionIsTheServedOne() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null)));

		SidecarStatus sidecar = only();
		assertThat(sidecar.sidecar()).isEqualTo("orders-1");
		assertThat(sidecar.service()).isEqualTo("orders");
		assertThat(sidecar.instance()).isEqualTo("i-orders-1");
		assertThat(sidecar.state()).isEqualTo(SyncState.SYNCED);
		assertThat(sidecar.lastSeen()).isEqualTo(this.clock.instant());
		assertThat(sidecar.policies())
			.containsExactly(new PolicySync("orders", orders, orders, null, null, SyncState.SYNCED));
	}

	@Test
	void staleWhenAppliedVersionIsBehindTheServedOne() {
		String old = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", old, null, null)));

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();
		String served = this.store.version("orders");

		assertThat(served).isNotEqualTo(old);
		assertThat(only().state()).isEqualTo(SyncState.STALE);
		assertThat(only().policies())
			.containsExactly(new PolicySync("orders", served, old, null, null, SyncState.STALE));
	}

	@Test
	void staleWhenNothingAppliedYet() {
		this.status.report(report("orders-1", new PolicyAck("orders", null, null, null)));
		assertThat(only().state()).isEqualTo(SyncState.STALE);
	}

	@Test
	void overallStateIsTheWorstOfItsPolicies() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null),
				new PolicyAck("payments", "000000000000", null, null)));

		SidecarStatus sidecar = only();
		assertThat(sidecar.state()).isEqualTo(SyncState.STALE);
		assertThat(sidecar.policies()).extracting(PolicySync::service, PolicySync::state)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("orders", SyncState.SYNCED),
					org.assertj.core.groups.Tuple.tuple("payments", SyncState.STALE));
	}

	@Test
	void staleWhenSilentLongerThanStaleAfter() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null)));

		this.clock.advance(STALE_AFTER);
		assertThat(only().state()).isEqualTo(SyncState.SYNCED);

		this.clock.advance(Duration.ofMillis(1));
		SidecarStatus sidecar = only();
		assertThat(sidecar.state()).isEqualTo(SyncState.STALE);
		// Its policy itself is still the served one: only the silence makes it stale.
		assertThat(sidecar.policies()).extracting(PolicySync::state).containsExactly(SyncState.SYNCED);
	}

	@Test
	void watchRequestsKeepSidecarFresh() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null)));

		this.clock.advance(STALE_AFTER.minusSeconds(1));
		this.status.seen("orders-1");
		this.clock.advance(STALE_AFTER.minusSeconds(1));

		assertThat(only().state()).isEqualTo(SyncState.SYNCED);
		assertThat(only().lastSeen()).isEqualTo(this.clock.instant().minus(STALE_AFTER.minusSeconds(1)));
	}

	@Test
	void seenDoesNotListSidecarThatNeverReported() {
		this.status.seen("stranger");
		assertThat(this.status.statuses()).isEmpty();
	}

	@Test
	void rejectedWhenServedVersionWasNacked() {
		String old = this.store.version("orders");
		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();
		String served = this.store.version("orders");

		this.status.report(report("orders-1", new PolicyAck("orders", old, served, "route compile failed")));

		SidecarStatus sidecar = only();
		assertThat(sidecar.state()).isEqualTo(SyncState.REJECTED);
		assertThat(sidecar.policies()).containsExactly(
				new PolicySync("orders", served, old, served, "route compile failed", SyncState.REJECTED));
	}

	@Test
	void rejectedIsWorseThanStale() {
		String old = this.store.version("orders");
		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();
		String served = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", old, served, "no"),
				new PolicyAck("payments", "000000000000", null, null)));

		this.clock.advance(STALE_AFTER.plusSeconds(1));

		assertThat(only().state()).isEqualTo(SyncState.REJECTED);
	}

	@Test
	void olderNackIsNoLongerRejectionOnceANewerVersionIsServed() {
		String old = this.store.version("orders");
		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();
		String refused = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", old, refused, "no")));
		assertThat(only().state()).isEqualTo(SyncState.REJECTED);

		this.policy.write("orders.yml", "mesh.policy.timeout: 4s\n");
		this.store.scan();

		assertThat(only().state()).isEqualTo(SyncState.STALE);
	}

	@Test
	void laterReportReplacesEarlierOne() {
		String old = this.store.version("orders");
		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		this.store.scan();
		String served = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", old, null, null)));
		assertThat(only().state()).isEqualTo(SyncState.STALE);

		this.status.report(report("orders-1", new PolicyAck("orders", served, null, null)));

		assertThat(only().state()).isEqualTo(SyncState.SYNCED);
	}

	@Test
	void forgottenWhenSilentLongerThanForgetAfter() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null)));
		this.clock.advance(FORGET_AFTER.minusSeconds(10));
		this.status.report(report("orders-2", new PolicyAck("orders", orders, null, null)));

		this.clock.advance(Duration.ofSeconds(10));
		assertThat(this.status.statuses()).extracting(SidecarStatus::sidecar).containsExactly("orders-1", "orders-2");

		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.status.statuses()).extracting(SidecarStatus::sidecar).containsExactly("orders-2");
	}

	@Test
	void forgetRemovesTheSidecarOfThatInstanceOnly() {
		String orders = this.store.version("orders");
		this.status.report(report("orders-1", new PolicyAck("orders", orders, null, null)));
		this.status.report(report("orders-2", new PolicyAck("orders", orders, null, null)));

		this.status.forget("orders", "i-orders-1");
		this.status.forget("payments", "i-orders-2");

		assertThat(this.status.statuses()).extracting(SidecarStatus::sidecar).containsExactly("orders-2");
	}

	@Test
	void sidecarsAreListedByServiceThenId() {
		this.status.report(new SyncReport("p-1", "payments", "i-p-1", List.of()));
		this.status.report(new SyncReport("o-2", "orders", "i-o-2", List.of()));
		this.status.report(new SyncReport("o-1", "orders", "i-o-1", List.of()));

		assertThat(this.status.statuses()).extracting(SidecarStatus::sidecar).containsExactly("o-1", "o-2", "p-1");
	}

	@Test
	void reportWithoutSidecarIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.status.report(new SyncReport(" ", "orders", "i-1", List.of())))
			.withMessageContaining("sidecar");
		assertThat(this.status.statuses()).isEmpty();
	}

	@Test
	void reportWithInvalidServiceNameIsRejectedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.status.report(new SyncReport("s-1", "Orders", "i-1", List.of())))
			.withMessageContaining("'Orders'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.status.report(
					new SyncReport("s-1", "orders", "i-1", List.of(new PolicyAck("bad name", "x", null, null)))))
			.withMessageContaining("'bad name'");
		assertThat(this.status.statuses()).isEmpty();
	}

	private SidecarStatus only() {
		List<SidecarStatus> statuses = this.status.statuses();
		assertThat(statuses).hasSize(1);
		return statuses.get(0);
	}

	private static SyncReport report(String sidecar, PolicyAck... acks) {
		return new SyncReport(sidecar, "orders", "i-" + sidecar, Arrays.asList(acks));
	}

}
