package io.trellis.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Reading what a JVM's threads allocated from its extended thread dump. */
class ProcTests {

	private static final String DUMP = """
			"Reference Handler" #2 daemon prio=10 os_prio=0 cpu=2.21ms elapsed=66.84s allocated=0B defined_classes=0 tid=0x1 nid=0x5624 waiting on condition  [0x0]
			"reactor-http-epoll-1" #20 daemon prio=5 os_prio=0 cpu=5120.00ms elapsed=60.00s allocated=3467M defined_classes=12 tid=0x2 nid=0x5625 runnable  [0x0]
			   java.lang.Thread.State: RUNNABLE
			"reactor-http-epoll-2" #21 daemon prio=5 os_prio=0 cpu=1.00ms elapsed=60.00s allocated=7486K defined_classes=0 tid=0x3 nid=0x5626 runnable  [0x0]
			"reactor-http-nio-1" #22 daemon prio=5 os_prio=0 cpu=1.00ms elapsed=60.00s allocated=528B defined_classes=0 tid=0x4 nid=0x5627 runnable  [0x0]
			"parallel-1" #23 daemon prio=5 os_prio=0 cpu=1.00ms elapsed=60.00s allocated=2G defined_classes=0 tid=0x5 nid=0x5628 runnable  [0x0]
			""";

	@Test
	void sumsTheAllocationOfTheThreadsNamedSoInTheirUnits() {
		assertThat(Proc.allocatedBytes(DUMP, "reactor-http-", "sidecar"))
			.isEqualTo(3467L * 1024 * 1024 + 7486L * 1024 + 528);
		assertThat(Proc.allocatedBytes(DUMP, "parallel-", "sidecar")).isEqualTo(2L * 1024 * 1024 * 1024);
	}

	@Test
	void aDumpWithoutSuchThreadsIsAnErrorNamingTheProcess() {
		assertThatIllegalStateException().isThrownBy(() -> Proc.allocatedBytes(DUMP, "boundedElastic-", "sidecar-a"))
			.withMessageContaining("boundedElastic-")
			.withMessageContaining("sidecar-a");
	}

}
