package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./mesh bench --smoke}: the benchmark harness runs every scenario end to end for a few
 * seconds, so it cannot rot between full runs. It installs what it needs (nginx, HAProxy,
 * wrk) itself.
 */
class BenchSmokeIT {

	@Test
	void smokeRunMeasuresEveryScenarioWithoutErrors(@TempDir Path work) throws Exception {
		Path home = Path.of(System.getProperty("trellis.home", "..")).toAbsolutePath().normalize();
		Path report = work.resolve("smoke.md");
		Path output = work.resolve("bench.out");
		Process bench = new ProcessBuilder(home.resolve("mesh").toString(), "bench", "--smoke", "--output",
				report.toString())
			.directory(home.toFile())
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		try {
			assertThat(bench.waitFor(15, TimeUnit.MINUTES)).as("bench finishes").isTrue();
			assertThat(bench.exitValue()).as(Files.readString(output)).isZero();
		}
		finally {
			bench.descendants().forEach(ProcessHandle::destroyForcibly);
			bench.destroyForcibly();
		}
		// ./mesh prepared the sidecar (the bench's sidecars start as ./mesh sidecar does), and its
		// training run served requests, so that their classes are in the archive too.
		assertThat(Files.readString(home.resolve("mesh-gateway/target/sidecar/training-requests.log")))
			.contains("inbound /actuator/health: HTTP/1.1 200", "outbound / (unknown destination): HTTP/1.1 ",
					"admin /actuator/mesh: HTTP/1.1 200");
		String text = Files.readString(report);
		for (String section : List.of("## S1", "## S2", "## S3", "## S4", "## S5", "## S6", "## S7", "## S8", "## S9", "## S10")) {
			assertThat(text).contains(section);
		}
		assertThat(text).contains("| 2 sidecars |", "| 2 HAProxy |", "| 2 nginx |", "| stock SCG |",
				"two-sidecar added p99 / two-HAProxy added p99", "Sidecar / HAProxy throughput");
		// The JIT warm-up's second part: every JVM proxy at S1's rates over new connections.
		Matcher warmup = Pattern
			.compile("JIT warm-up: wrk for \\d+ s on each of 1 sidecar, 2 sidecars, stock SCG; then the open-loop "
					+ "generator on each, at [\\d, ]+ req/s for \\d+ s each, twice, each time over new connections: "
					+ "(\\d+) requests, (\\d+) failed")
			.matcher(text);
		assertThat(warmup.find()).as("the JIT warm-up's paragraph").isTrue();
		assertThat(Long.parseLong(warmup.group(1))).as("warm-up requests at S1's rates").isPositive();
		assertThat(warmup.group(2)).as("failed warm-up requests").isEqualTo("0");
		assertThat(text).contains("control plane on CPU");
		// S3 counts what the one sidecar's event loop allocates per request (from its thread dump);
		// the smoke run's requests are few, but each allocates kilobytes.
		Matcher allocated = Pattern.compile("^\\| 1 sidecar \\| [\\d.]+( \\([^)]*\\))? \\| ([\\d.]+)( \\([^)]*\\))? \\|$",
				Pattern.MULTILINE)
			.matcher(text.substring(text.indexOf("## S3"), text.indexOf("## S4")));
		assertThat(allocated.find()).as("S3's row of the sidecar with its allocation per request").isTrue();
		assertThat(Double.parseDouble(allocated.group(2))).as("KiB allocated per request").isGreaterThan(1.0);
		// S5's unpinned start really had every CPU (./mesh bench pins the harness, and a child
		// started without naming the CPUs would inherit the harness's one).
		assertThat(text).contains("| the same, not pinned (on CPUs "
				+ Files.readString(Path.of("/sys/devices/system/cpu/online")).trim() + ") |");
		// Every S1 row ends with its error count: none of the smoke requests may fail.
		Matcher rows = Pattern.compile("^\\| (direct|1 sidecar|2 sidecars|1 HAProxy|2 HAProxy|1 nginx|2 nginx) \\|.*\\| (\\d+) \\|$",
				Pattern.MULTILINE)
			.matcher(text.substring(text.indexOf("## S1"), text.indexOf("## S2")));
		int found = 0;
		while (rows.find()) {
			found++;
			assertThat(rows.group(2)).as("errors of " + rows.group(1)).isEqualTo("0");
		}
		assertThat(found).isEqualTo(7);
		// --smoke scrapes the sidecars (every 500 ms): throughout S1, and in S2 while wrk saturates
		// the measured one, whose watchdog reports its event loop's lag in each scrape.
		assertThat(text.substring(text.indexOf("## S1"), text.indexOf("## S2")))
			.containsPattern("as Prometheus would: [1-9]\\d* scrapes of 2 admin listeners \\(about \\d+ KiB each; .*\\), 0 failed\\.");
		assertThat(text.substring(text.indexOf("## S2"), text.indexOf("## S3")))
			.containsPattern("(?m)^\\| 1 sidecar \\| [1-9]\\d* \\| median [\\d.]+ ms, p99 [\\d.]+ ms, maximum [\\d.]+ ms \\| 0 \\| [\\d.]+ \\|$");
		// S9: both sidecars measured without errors, and the matching cost reported.
		Matcher scale = Pattern.compile("^\\| (1|50) services?, (first|last) route \\|.*\\| (\\d+) \\|$", Pattern.MULTILINE)
			.matcher(text.substring(text.indexOf("## S9"), text.indexOf("## S10")));
		int scaleRows = 0;
		while (scale.find()) {
			scaleRows++;
			assertThat(scale.group(3)).as("errors of " + scale.group()).isEqualTo("0");
		}
		assertThat(scaleRows).isEqualTo(4);
		assertThat(text).containsPattern("\\*\\*\\d+ ns\\*\\* for the first route, \\*\\*\\d+ ns\\*\\* for the last");
		// S10: the sidecar with observability off and the one with everything on measured without
		// errors; the latter really exported spans and wrote its access log.
		String observability = text.substring(text.indexOf("## S10"));
		Matcher measured = Pattern.compile("^\\| (off|metrics \\+ tracing \\+ access log) \\|.*\\| (\\d+) \\|$",
				Pattern.MULTILINE)
			.matcher(observability.substring(0, observability.indexOf("Against **off**")));
		int observabilityRows = 0;
		while (measured.find()) {
			observabilityRows++;
			assertThat(measured.group(2)).as("errors of " + measured.group(1)).isEqualTo("0");
		}
		assertThat(observabilityRows).isEqualTo(2);
		assertThat(observability).contains("| off | no metric | off |", "tracing+log/off = **");
		Matcher exported = Pattern.compile("^\\| metrics \\+ tracing \\+ access log \\| (\\d+) \\| on \\| (\\d+) \\|",
				Pattern.MULTILINE)
			.matcher(observability);
		assertThat(exported.find()).as("spans row of S10").isTrue();
		assertThat(Long.parseLong(exported.group(2))).as("spans exported").isPositive();
		Matcher logged = Pattern.compile("\\*\\*(\\d+)\\*\\* lines in `access.log`").matcher(observability);
		assertThat(logged.find()).as("access log line count of S10").isTrue();
		assertThat(Long.parseLong(logged.group(1))).as("access log lines").isPositive();
		// No benchmark process outlives the run.
		assertThat(ProcessHandle.allProcesses()
			.map((p) -> p.info().commandLine().orElse(""))
			.filter((command) -> command.contains("bench/work"))
			.toList()).isEmpty();
	}

}
