package io.trellis.configserver.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.trellis.configserver.MutableClock;
import io.trellis.configserver.telemetry.TrafficStore.SidecarTraffic;
import io.trellis.core.telemetry.EdgeTraffic;
import io.trellis.core.telemetry.LatencyBuckets;
import io.trellis.core.telemetry.TrafficReport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrafficStoreTests {

	private static final Duration WINDOW = Duration.ofSeconds(30);

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final TrafficStore store = new TrafficStore(this.clock, WINDOW, 100, 10, 1000);

	@Test
	void countsOfReportsWithinTheWindowAddUp() {
		for (int i = 0; i < 5; i++) {
			this.store.record(report("frontend-1", "frontend", outbound("orders", 10, 1, 3)));
			this.clock.advance(Duration.ofSeconds(1));
		}

		SidecarTraffic sidecar = only();
		TrafficTotals orders = sidecar.edges().get(new TrafficKey(EdgeTraffic.OUTBOUND, "orders"));
		assertThat(orders.requests()).isEqualTo(50);
		assertThat(orders.failures()).isEqualTo(5);
		assertThat(orders.latency()[3]).isEqualTo(50);
		assertThat(sidecar.coveredMillis()).isEqualTo(5000);
		assertThat(sidecar.perSecond(orders.requests())).isEqualTo(10.0);
	}

	@Test
	void reportsOlderThanTheWindowAreDropped() {
		this.store.record(report("frontend-1", "frontend", outbound("orders", 100, 0, 3)));
		this.clock.advance(Duration.ofSeconds(20));
		this.store.record(report("frontend-1", "frontend", outbound("orders", 7, 0, 3)));
		this.clock.advance(Duration.ofSeconds(11));

		SidecarTraffic sidecar = only();
		assertThat(sidecar.edges().get(new TrafficKey(EdgeTraffic.OUTBOUND, "orders")).requests()).isEqualTo(7);
		// From the start of the report's interval (19 s) to one interval ago (30 s).
		assertThat(sidecar.coveredMillis()).isEqualTo(11_000);
	}

	@Test
	void rateFallsWhileASidecarIsSilentAsIdleSidecarsSendNoReports() {
		this.store.record(report("frontend-1", "frontend", outbound("orders", 10, 0, 3)));
		SidecarTraffic justReported = only();
		assertThat(justReported.perSecond(10)).isEqualTo(10.0);

		this.clock.advance(Duration.ofSeconds(1));
		assertThat(only().perSecond(10)).as("within one interval of the report").isEqualTo(10.0);

		this.clock.advance(Duration.ofSeconds(4));
		assertThat(only().coveredMillis()).isEqualTo(5000);
		assertThat(only().perSecond(10)).isEqualTo(2.0);
	}

	@Test
	void reportsSentFasterThanTheirIntervalsCountTheirIntervals() {
		this.store.record(report("frontend-1", "frontend", outbound("orders", 10, 0, 3)));
		this.store.record(report("frontend-1", "frontend", outbound("orders", 10, 0, 3)));

		assertThat(only().coveredMillis()).isEqualTo(2000);
	}

	@Test
	void sidecarThatStoppedReportingIsForgottenAndItsEntriesFreed() {
		this.store.record(report("frontend-1", "frontend", outbound("orders", 1, 0, 3), outbound("payments", 1, 0, 3)));
		assertThat(this.store.storedEdges()).isEqualTo(2);

		this.clock.advance(WINDOW.plusMillis(1));

		assertThat(this.store.snapshot()).isEmpty();
		assertThat(this.store.sidecars()).isZero();
		assertThat(this.store.storedEdges()).isZero();
	}

	@Test
	void reportsWithinOneSlotShareItsEntries() {
		for (int i = 0; i < 100; i++) {
			this.store.record(report("frontend-1", "frontend", outbound("orders", 1, 0, 3)));
			this.clock.advance(Duration.ofMillis(10));
		}

		assertThat(this.store.storedEdges()).isEqualTo(1);
		assertThat(only().edges().get(new TrafficKey(EdgeTraffic.OUTBOUND, "orders")).requests()).isEqualTo(100);
	}

	@Test
	void entriesOfOneReportNamingTheSamePeerAddUp() {
		this.store.record(report("frontend-1", "frontend", outbound("orders", 2, 0, 3), outbound("orders", 3, 1, 4)));

		TrafficTotals orders = only().edges().get(new TrafficKey(EdgeTraffic.OUTBOUND, "orders"));
		assertThat(orders.requests()).isEqualTo(5);
		assertThat(orders.failures()).isEqualTo(1);
		assertThat(orders.latency()[3]).isEqualTo(2);
		assertThat(orders.latency()[4]).isEqualTo(3);
	}

	@Test
	void reportFromOneSidecarTooManyIsRefusedUntilOneIsForgotten() {
		TrafficStore small = new TrafficStore(this.clock, WINDOW, 2, 10, 1000);
		small.record(report("a-1", "a", outbound("b", 1, 0, 0)));
		small.record(report("a-2", "a", outbound("b", 1, 0, 0)));

		assertThatExceptionOfType(TrafficLimitException.class)
			.isThrownBy(() -> small.record(report("a-3", "a", outbound("b", 1, 0, 0))))
			.withMessageContaining("at most 2 sidecars")
			.withMessageContaining("max-sidecars");
		// Those already kept go on reporting.
		small.record(report("a-1", "a", outbound("b", 1, 0, 0)));

		this.clock.advance(WINDOW.plusMillis(1));
		small.record(report("a-3", "a", outbound("b", 1, 0, 0)));
		assertThat(small.snapshot()).extracting(SidecarTraffic::sidecar).containsExactly("a-3");
	}

	@Test
	void reportThatWouldExceedTheEntryBoundIsRefusedAndKeepsNothing() {
		TrafficStore small = new TrafficStore(this.clock, WINDOW, 100, 10, 3);
		small.record(report("a-1", "a", outbound("b", 1, 0, 0), outbound("c", 1, 0, 0)));

		assertThatExceptionOfType(TrafficLimitException.class)
			.isThrownBy(() -> small.record(report("d-1", "d", outbound("b", 1, 0, 0), outbound("c", 1, 0, 0))))
			.withMessageContaining("at most 3 traffic entries");
		assertThat(small.storedEdges()).isEqualTo(2);
		assertThat(small.snapshot()).extracting(SidecarTraffic::sidecar).containsExactly("a-1");

		// Entries the slot holds already cost nothing more.
		small.record(report("a-1", "a", outbound("b", 5, 0, 0)));
		small.record(report("d-1", "d", outbound("b", 1, 0, 0)));
		assertThat(small.storedEdges()).isEqualTo(3);
	}

	@Test
	void reportWithTooManyEntriesIsBadInput() {
		List<EdgeTraffic> edges = new ArrayList<>();
		for (int i = 0; i < 11; i++) {
			edges.add(outbound("peer-" + i, 1, 0, 0));
		}
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(new TrafficReport("a-1", "a", "i-1", 1000, edges)))
			.withMessageContaining("at most 10 edges")
			.withMessageContaining("holds 11");
	}

	@Test
	void malformedReportsAreRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.record(new TrafficReport(null, "a", "i-1",
				1000, List.of()))).withMessageContaining("must name its sidecar");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.record(new TrafficReport("a-1", "Front End",
				"i-1", 1000, List.of()))).withMessageContaining("'Front End' is not a valid service name");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.record(new TrafficReport("a-1", "a", " ",
				1000, List.of()))).withMessageContaining("must name its instance");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.record(new TrafficReport("a-1", "a", "i-1",
				0, List.of()))).withMessageContaining("intervalMillis").withMessageContaining("was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(report("a-1", "a", outbound("b", 1, 0, 0),
					new EdgeTraffic("sideways", "c", 1, 0, new long[LatencyBuckets.COUNT]))))
			.withMessageContaining("edges[1].direction")
			.withMessageContaining("'sideways'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(report("a-1", "a", outbound("Bad_Peer", 1, 0, 0))))
			.withMessageContaining("edges[0].peer: 'Bad_Peer'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(report("a-1", "a", outbound("b", -1, 0, 0))))
			.withMessageContaining("edges[0].requests")
			.withMessageContaining("was -1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(report("a-1", "a", outbound("b", 2, 3, 0))))
			.withMessageContaining("edges[0].failures must be between 0 and the requests (2), was 3");
		long[] negative = new long[LatencyBuckets.COUNT];
		negative[5] = -4;
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.record(report("a-1", "a", new EdgeTraffic("inbound", "b", 1, 0, negative))))
			.withMessageContaining("edges[0].latency[5]")
			.withMessageContaining("was -4");
		assertThat(this.store.snapshot()).isEmpty();
		assertThat(this.store.storedEdges()).isZero();
	}

	private SidecarTraffic only() {
		List<SidecarTraffic> all = this.store.snapshot();
		assertThat(all).hasSize(1);
		return all.get(0);
	}

	static TrafficReport report(String sidecar, String service, EdgeTraffic... edges) {
		return new TrafficReport(sidecar, service, "i-" + sidecar, 1000, List.of(edges));
	}

	/** {@code requests} calls to {@code peer}, all of them in latency bucket {@code bucket}. */
	static EdgeTraffic outbound(String peer, long requests, long failures, int bucket) {
		long[] latency = new long[LatencyBuckets.COUNT];
		latency[bucket] = requests;
		return new EdgeTraffic(EdgeTraffic.OUTBOUND, peer, requests, failures, latency);
	}

}
