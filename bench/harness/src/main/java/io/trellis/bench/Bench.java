package io.trellis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import io.trellis.core.launch.SidecarLaunch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench}: the sidecar measured against direct calls, HAProxy, nginx and a stock
 * Spring Cloud Gateway, side by side in one run on this machine. Writes a Markdown report.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
		description = "Benchmarks the Trellis sidecar against direct calls, HAProxy, nginx and stock Spring Cloud Gateway.")
public class Bench implements Callable<Integer> {

	static final String VERSION = "0.1.0-SNAPSHOT";

	@Option(names = "--smoke", description = "A seconds-long run of every scenario, to check the harness works.")
	boolean smoke;

	@Option(names = "--scenarios", split = ",", description = "Scenarios to run (default: all): S1,S2,S3,S4,S5,S6,S7,S8,S9,S10.")
	List<String> scenarios;

	@Option(names = "--runs", description = "Runs of each measurement (default 3; 1 with --smoke).")
	Integer runs;

	@Option(names = "--duration", description = "Seconds measured per run (default 20; 3 with --smoke).")
	Integer duration;

	@Option(names = "--jit-warmup", description = "Seconds of wrk on each JVM proxy before measuring (default 60); "
			+ "then each gets S1's rates for 5 s, twice, over new connections.")
	Integer jitWarmup;

	@Option(names = "--jvm-option", description = "A JVM option added to those of the sidecars and the "
			+ "stock gateway (repeatable), e.g. --jvm-option=-XX:TieredStopAtLevel=1.")
	List<String> jvmOptions = new ArrayList<>();

	@Option(names = "--rates", split = ",", description = "S1: the open-loop rates in req/s (default 200,1000,2000; "
			+ "200 with --smoke).")
	List<Integer> rates;

	@Option(names = "--scrape-interval", description = "Scrape the sidecars' admin listeners every this many "
			+ "milliseconds, as Prometheus would: both sidecars' /actuator/prometheus throughout S1; in S2 the "
			+ "measured sidecar's /actuator/health/liveness and /actuator/prometheus while wrk saturates it "
			+ "(default: no scraping).")
	Integer scrapeInterval;

	@Option(names = "--startup-runs", description = "S5: starts of each process (default 5; 1 with --smoke).")
	Integer startupRuns;

	@Option(names = "--baseline", description = "Another Trellis checkout, prepared by its own `./mesh prepare`, "
			+ "whose sidecar is measured beside this one's (S2, S3 and S5), to compare two versions in one run.")
	Path baseline;

	@Option(names = "--home", description = "Trellis checkout (default: the mesh.home system property, else .).")
	Path home;

	@Option(names = "--output", description = "Report file (default: bench/results/<date>-<full|smoke>.md).")
	Path output;

	public static void main(String[] args) {
		System.exit(new CommandLine(new Bench()).execute(args));
	}

	@Override
	public Integer call() throws Exception {
		Path home = (this.home != null) ? this.home : Path.of(System.getProperty("mesh.home", "."));
		home = home.toAbsolutePath().normalize();
		requireTools();
		Scenarios.Settings settings = settings();
		Set<String> selected = (this.scenarios != null)
				? this.scenarios.stream().map(String::toUpperCase).collect(Collectors.toSet())
				: Set.of("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10");
		String command = "./mesh bench" + (this.smoke ? " --smoke" : "")
				+ ((this.scenarios != null) ? " --scenarios " + String.join(",", this.scenarios) : "")
				+ ((this.runs != null) ? " --runs " + this.runs : "")
				+ ((this.duration != null) ? " --duration " + this.duration : "")
				+ ((this.jitWarmup != null) ? " --jit-warmup " + this.jitWarmup : "")
				+ ((this.startupRuns != null) ? " --startup-runs " + this.startupRuns : "")
				+ ((this.rates != null) ? " --rates " + this.rates.stream().map(String::valueOf).collect(Collectors.joining(",")) : "")
				+ ((this.scrapeInterval != null) ? " --scrape-interval " + this.scrapeInterval : "")
				+ ((this.baseline != null) ? " --baseline " + this.baseline : "")
				+ this.jvmOptions.stream().map((option) -> " --jvm-option=" + option).collect(Collectors.joining());
		Report report = new Report(command);
		report.header("Trellis benchmark" + (this.smoke ? " (smoke: numbers are not meaningful)" : ""));
		Path work = home.resolve("bench/work");
		deleteTree(work);
		Path output = (this.output != null) ? this.output
				: home.resolve("bench/results/"
						+ LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm")) + "-"
						+ (this.smoke ? "smoke" : "full") + ".md");
		List<String> failed = new ArrayList<>();
		long started = System.nanoTime();
		try (Lab lab = new Lab(home, work, this.jvmOptions)) {
			report.paragraph("Sidecars start as `./mesh sidecar` starts them: "
					+ (SidecarLaunch.prepared(home) ? "extracted, with the class archive made by `./mesh` and the options "
							+ "of `" + SidecarLaunch.ARGUMENT_FILE + "`" : "from the executable jar (not prepared by `./mesh`)")
					+ (this.jvmOptions.isEmpty() ? "" : ", plus `" + String.join(" ", this.jvmOptions) + "`")
					+ ". Stock gateway: `" + String.join(" ", lab.jvmOptions) + "`. Control plane: `"
					+ String.join(" ", Lab.CONTROL_PLANE_OPTIONS) + "`.");
			log("Starting the upstream, HAProxy and nginx");
			lab.startBaselines();
			log("Starting the control plane and two sidecars");
			lab.startTrellis();
			if (settings.baseline != null) {
				log("Starting the sidecar of " + settings.baseline);
				lab.startBaselineSidecar(settings.baseline);
			}
			log("Starting a stock Spring Cloud Gateway");
			lab.startStock();
			Scenarios scenarios = new Scenarios(lab, settings, report);
			scenarios.noteIdleRss("after start, idle");
			if (selected.stream().anyMatch(List.of("S1", "S2", "S3", "S4")::contains)) {
				// S5 starts its own processes and S6 warms the control plane itself.
				log("Warming up the JVM proxies (" + settings.jitWarmup.toSeconds()
						+ " s of wrk each, then S1's rates over new connections)");
				scenarios.warmUp();
				scenarios.noteIdleRss("after warm-up, idle");
			}
			List<Scenario> all = List.of(new Scenario("S1", "S1 added latency", scenarios::s1),
					new Scenario("S2", "S2 throughput", scenarios::s2), new Scenario("S3", "S3 CPU per request", scenarios::s3),
					new Scenario("S4", "S4 memory", scenarios::s4), new Scenario("S5", "S5 startup", scenarios::s5),
					new Scenario("S6", "S6 policy propagation", scenarios::s6),
					new Scenario("S7", "S7 balancing with one slow instance", scenarios::s7),
					new Scenario("S8", "S8 a dying instance and a failing service", scenarios::s8),
					new Scenario("S9", "S9 route table scale", scenarios::s9),
					new Scenario("S10", "S10 observability cost", scenarios::s10));
			for (Scenario scenario : all) {
				if (!selected.contains(scenario.id())) {
					continue;
				}
				log(scenario.title());
				try {
					scenario.body().run();
				}
				catch (Exception ex) {
					// The other scenarios' figures stay worth having; the run still fails.
					failed.add(scenario.id());
					System.err.println(scenario.id() + " failed:");
					ex.printStackTrace();
					report.paragraph("**" + scenario.id() + " failed**: " + ex.getMessage() + " (see `bench/work/logs/`).");
				}
				report.write(output);
			}
		}
		if (!failed.isEmpty()) {
			report.paragraph("Failed: " + String.join(", ", failed) + ".");
		}
		report.paragraph("Total time: " + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s. Logs of "
				+ "every process: `bench/work/logs/`.");
		report.write(output);
		System.out.println();
		System.out.println(report.text());
		System.out.println("Report written to " + output);
		return failed.isEmpty() ? 0 : 1;
	}

	/** A scenario: the report is written after each, so a failure later keeps the figures so far. */
	private record Scenario(String id, String title, Body body) {
	}

	@FunctionalInterface
	private interface Body {

		void run() throws Exception;

	}

	/** The scenarios' settings from the command line's options; an option out of range is refused, named. */
	Scenarios.Settings settings() {
		Scenarios.Settings settings = this.smoke ? Scenarios.Settings.smoke() : new Scenarios.Settings();
		if (this.runs != null) {
			settings.runs = this.runs;
		}
		if (this.duration != null) {
			settings.duration = Duration.ofSeconds(this.duration);
		}
		if (this.jitWarmup != null) {
			settings.jitWarmup = Duration.ofSeconds(this.jitWarmup);
		}
		if (this.startupRuns != null) {
			settings.startupRuns = this.startupRuns;
		}
		if (this.rates != null) {
			if (this.rates.isEmpty() || this.rates.stream().anyMatch((rate) -> rate <= 0)) {
				throw new IllegalArgumentException("--rates must list positive request rates, e.g. --rates 200,1000; got "
						+ this.rates);
			}
			settings.rates = List.copyOf(this.rates);
		}
		if (this.scrapeInterval != null) {
			if (this.scrapeInterval <= 0) {
				throw new IllegalArgumentException("--scrape-interval must be a positive number of milliseconds, e.g. "
						+ "--scrape-interval 1000; got " + this.scrapeInterval);
			}
			settings.scrapeInterval = Duration.ofMillis(this.scrapeInterval);
		}
		if (this.baseline != null) {
			settings.baseline = this.baseline.toAbsolutePath().normalize();
			if (!SidecarLaunch.prepared(settings.baseline)) {
				throw new IllegalArgumentException("--baseline " + settings.baseline + " is not a prepared Trellis "
						+ "checkout: run ./mesh prepare there first");
			}
		}
		return settings;
	}

	private static void requireTools() {
		List<String> missing = new ArrayList<>();
		for (String tool : List.of("nginx", "haproxy", "wrk", "taskset")) {
			if (Machine.version(tool, "-v").equals("not installed")) {
				missing.add(tool);
			}
		}
		if (!missing.isEmpty()) {
			throw new IllegalStateException("Missing tools: " + missing + ". ./mesh bench installs them (apt-get) when "
					+ "run as root; otherwise install nginx-light, haproxy and wrk.");
		}
	}

	private static void log(String message) {
		System.out.println("[bench] " + message);
	}

	private static void deleteTree(Path dir) throws IOException {
		if (!Files.exists(dir)) {
			return;
		}
		try (var paths = Files.walk(dir)) {
			for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

}
