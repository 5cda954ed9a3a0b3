package io.trellis.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.trellis.core.launch.SidecarLaunch;
import io.trellis.core.policy.PolicyBinder;
import io.trellis.core.policy.PolicyFiles;
import io.trellis.core.policy.RouteMatch.RequestView;
import io.trellis.core.policy.RouteRule;
import org.HdrHistogram.Histogram;

/** The scenarios S1 to S10 of bench/README.md, each adding its section to the report. */
final class Scenarios {

	/** S10's sidecars, as the report names them. */
	/** The names of the sidecar's event-loop threads (Reactor Netty's, one with the lab's options). */
	private static final String EVENT_LOOP = "reactor-http-";

	private static final String OFF = "off";

	private static final String METRICS = "metrics";

	private static final String TRACING = "metrics + tracing";

	private static final String TRACING_LOG = "metrics + tracing + access log";

	private static final String TRACING_SAMPLED = "metrics + tracing at 0.1";

	private final Lab lab;

	private final Settings settings;

	private final Report report;

	private final Random random = new Random(42);

	/** The sidecar's resident memory at points of the run, for S4. */
	private final Map<String, Double> sidecarRss = new LinkedHashMap<>();

	Scenarios(Lab lab, Settings settings, Report report) {
		this.lab = lab;
		this.settings = settings;
		this.report = report;
	}

	void noteIdleRss(String when) {
		this.sidecarRss.put(when, this.lab.sidecarA.rssMiB());
		if (this.lab.sidecarBaseline != null) {
			this.sidecarRss.put(when + ", the --baseline checkout's sidecar", this.lab.sidecarBaseline.rssMiB());
		}
	}

	/**
	 * Lets the JIT compile the JVM proxies' hot paths before anything is measured: wrk at full
	 * load, then the open-loop generator at each of S1's rates, twice, each time over new
	 * connections.
	 */
	void warmUp() throws Exception {
		List<String> names = withBaseline(List.of("1 sidecar", "2 sidecars", "stock SCG"));
		for (String name : names) {
			Lab.Target target = this.lab.target(name);
			// Sidecar A is warmed twice (alone, then as the first of two sidecars): the baseline's
			// sidecar gets as long, or the comparison would favour the better-compiled one.
			Duration warmup = name.equals(Lab.BASELINE_TARGET) ? this.settings.jitWarmup.multipliedBy(2)
					: this.settings.jitWarmup;
			Wrk.run(Lab.LOAD_CPU, target.url(), target.host(), 16, warmup);
		}
		// wrk holds its 16 connections for the whole warm-up, at full load. The code the JIT
		// compiles under that has never seen a connection open or close, nor an event loop
		// waiting between requests: the measured runs' first new connections undid it (31 of
		// the hot path's compiled methods at once in sidecar B), and it was compiled again while
		// S1 measured, on the core the proxies share (bench/RESULTS.md, "The JIT's warm-up").
		// The load generator's own runs, at the rates S1 measures, take that before measuring.
		Duration phase = this.settings.rateWarmup;
		String wrk = "JIT warm-up: wrk for " + this.settings.jitWarmup.toSeconds() + " s on each of "
				+ String.join(", ", names) + (names.contains(Lab.BASELINE_TARGET) ? " (twice as long on "
						+ Lab.BASELINE_TARGET + ", as sidecar A is warmed twice)" : "");
		if (phase.isZero() || this.settings.jitWarmup.isZero()) {
			this.report.paragraph(wrk + ".");
			return;
		}
		long sent = 0;
		long failed = 0;
		try (LoadGenerator generator = new LoadGenerator()) {
			for (int round = 0; round < 2; round++) {
				for (String name : names) {
					Lab.Target target = this.lab.target(name);
					for (int rate : this.settings.rates) {
						LoadGenerator.Result result = generator.run(URI.create(target.url()), target.host(),
								this.settings.connections, rate, Duration.ZERO, phase);
						sent += result.sent();
						failed += result.errors() + result.incomplete();
					}
				}
			}
		}
		this.report.paragraph(wrk + "; then the open-loop generator on each, at " + this.settings.rates.stream()
			.map(String::valueOf)
			.collect(Collectors.joining(", ")) + " req/s for " + phase.toSeconds()
				+ " s each, twice, each time over new connections: " + sent + " requests, " + failed
				+ " failed (not measured).");
	}

	/** The admin port of the one sidecar a target of S2 measures, or null for the other targets. */
	private static Integer adminPort(String target) {
		return switch (target) {
			case "1 sidecar" -> Lab.SIDECAR_A_ADMIN;
			case Lab.BASELINE_TARGET -> Lab.BASELINE_ADMIN;
			default -> null;
		};
	}

	/** {@code names}, and the --baseline checkout's sidecar after the first when there is one. */
	private List<String> withBaseline(List<String> names) {
		List<String> all = new ArrayList<>(names);
		if (this.lab.sidecarBaseline != null) {
			all.add(1, Lab.BASELINE_TARGET);
		}
		return all;
	}

	/** S1: latency added by one and two hops of each proxy, open loop at fixed rates. */
	void s1() throws Exception {
		this.report.section("S1 added latency (open loop, " + this.settings.connections + " connections, keep-alive)");
		this.report.paragraph("Each cell is the median of " + this.settings.runs + " runs (range in brackets); runs of "
				+ "the targets are interleaved in random order. Latency is timed from each request's intended send "
				+ "time (coordinated omission corrected), " + this.settings.duration.toSeconds() + " s measured after "
				+ this.settings.warmup.toSeconds() + " s of warm-up at the same rate. Added = target minus direct.");
		List<Lab.Target> targets = new ArrayList<>(this.lab.targets());
		targets.removeIf((t) -> t.name().equals("stock SCG") || t.name().equals(Lab.BASELINE_TARGET));
		Scraper scraper = (this.settings.scrapeInterval != null)
				? new Scraper(List.of("http://127.0.0.1:" + Lab.SIDECAR_A_ADMIN + "/actuator/prometheus",
						"http://127.0.0.1:" + Lab.SIDECAR_B_ADMIN + "/actuator/prometheus"), this.settings.scrapeInterval)
				: null;
		try (scraper; LoadGenerator generator = new LoadGenerator()) {
			for (int rate : this.settings.rates) {
				Map<String, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
				targets.forEach((t) -> results.put(t.name(), new ArrayList<>()));
				for (int run = 0; run < this.settings.runs; run++) {
					List<Lab.Target> order = new ArrayList<>(targets);
					Collections.shuffle(order, this.random);
					for (Lab.Target target : order) {
						results.get(target.name()).add(generator.run(URI.create(target.url()), target.host(),
								this.settings.connections, rate, this.settings.warmup, this.settings.duration));
					}
				}
				List<List<String>> rows = new ArrayList<>();
				double directP50 = median(results.get("direct"), 50);
				double directP99 = median(results.get("direct"), 99);
				for (Lab.Target target : targets) {
					List<LoadGenerator.Result> runs = results.get(target.name());
					long errors = runs.stream().mapToLong((r) -> r.errors() + r.incomplete()).sum();
					rows.add(List.of(target.name(), pct(runs, 50), pct(runs, 90), pct(runs, 99), pct(runs, 99.9),
							pct(runs, 100), target.name().equals("direct") ? "—"
									: Stats.number(median(runs, 50) - directP50, 0) + " / "
											+ Stats.number(median(runs, 99) - directP99, 0),
							String.valueOf(errors)));
				}
				this.report.paragraph("**" + rate + " req/s**");
				this.report.table(List.of("target", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs",
						"added p50 / p99 µs", "errors"), rows);
				if (results.containsKey("2 sidecars")) {
					double sidecars = median(results.get("2 sidecars"), 99) - directP99;
					double haproxy = median(results.get("2 HAProxy"), 99) - directP99;
					double nginx = median(results.get("2 nginx"), 99) - directP99;
					this.report.paragraph("At " + rate + " req/s: two-sidecar added p99 / two-HAProxy added p99 = **"
							+ ratio(sidecars, haproxy) + "**; two-sidecar / two-nginx = " + ratio(sidecars, nginx) + ".");
				}
			}
			if (scraper != null) {
				// Each sidecar's admin listener, scraped as Prometheus scrapes it, all through S1
				// (warm-ups included), whichever target was measured: HAProxy and nginx have none.
				this.report.paragraph("Throughout S1 both sidecars' metrics were scraped (`GET /actuator/prometheus` on "
						+ "their admin listeners) every " + this.settings.scrapeInterval.toMillis() + " ms, as Prometheus "
						+ "would: " + scraper.summary() + ".");
			}
		}
	}

	/** S2: maximum throughput of one proxy hop on one core (wrk, closed loop). */
	void s2() throws InterruptedException {
		this.report.section("S2 throughput on one core (wrk, closed loop)");
		this.report.paragraph("`wrk -t1 -c" + this.settings.connections + " -d" + this.settings.duration.toSeconds()
				+ "s` on CPU " + Lab.LOAD_CPU + " against one proxy on CPU " + Lab.PROXY_CPU + "; median of "
				+ this.settings.runs + " interleaved runs (range).");
		List<String> names = withBaseline(List.of("1 sidecar", "1 HAProxy", "1 nginx", "stock SCG", "direct"));
		Map<String, List<Double>> rates = new LinkedHashMap<>();
		names.forEach((n) -> rates.put(n, new ArrayList<>()));
		// With --scrape-interval: the admin listener of the sidecar being measured, scraped and
		// probed while wrk saturates it, as Prometheus and the kubelet would.
		Map<String, List<Double>> adminTimes = new LinkedHashMap<>();
		Map<String, Long> adminFailures = new LinkedHashMap<>();
		Map<String, Double> adminLag = new LinkedHashMap<>();
		for (int run = 0; run < this.settings.runs; run++) {
			List<String> order = new ArrayList<>(names);
			Collections.shuffle(order, this.random);
			for (String name : order) {
				Lab.Target target = this.lab.target(name);
				Integer admin = adminPort(name);
				Scraper scraper = (admin != null && this.settings.scrapeInterval != null)
						? new Scraper(List.of("http://127.0.0.1:" + admin + "/actuator/health/liveness",
								"http://127.0.0.1:" + admin + "/actuator/prometheus"), this.settings.scrapeInterval)
						: null;
				try (scraper) {
					rates.get(name).add(Wrk.run(Lab.LOAD_CPU, target.url(), target.host(), this.settings.connections,
							this.settings.duration));
				}
				if (scraper != null) {
					adminTimes.computeIfAbsent(name, (n) -> new ArrayList<>()).addAll(scraper.times());
					adminFailures.merge(name, scraper.failures(), Long::sum);
					adminLag.merge(name, scraper.maxLagMillis(), Math::max);
				}
			}
		}
		List<List<String>> rows = new ArrayList<>();
		rates.forEach((name, values) -> rows.add(List.of(name, Stats.format(values, "", 0))));
		this.report.table(List.of("target", "requests/s"), rows);
		if (!adminTimes.isEmpty()) {
			this.report.paragraph("While wrk saturated each sidecar, its admin listener was probed and scraped "
					+ "(`/actuator/health/liveness`, then `/actuator/prometheus`) every "
					+ this.settings.scrapeInterval.toMillis() + " ms; client-side time of each answer:");
			List<List<String>> adminRows = new ArrayList<>();
			adminTimes.forEach((name, times) -> adminRows.add(List.of(name, String.valueOf(times.size()),
					Scraper.timing(times), String.valueOf(adminFailures.get(name)),
					(adminLag.get(name) < 0) ? "—" : Stats.number(adminLag.get(name), 1))));
			this.report.table(List.of("sidecar", "answers", "time", "failed",
					"largest event-loop lag it reported, ms (`trellis_event_loop_lag_seconds_max`)"), adminRows);
		}
		double sidecar = Stats.median(rates.get("1 sidecar"));
		this.report.paragraph("Sidecar / HAProxy throughput = **" + ratio(sidecar, Stats.median(rates.get("1 HAProxy")))
				+ "**; sidecar / stock Spring Cloud Gateway = **" + ratio(sidecar, Stats.median(rates.get("stock SCG")))
				+ "**; sidecar / nginx = " + ratio(sidecar, Stats.median(rates.get("1 nginx"))) + "."
				+ (rates.containsKey(Lab.BASELINE_TARGET) ? " Sidecar / the --baseline checkout's sidecar = **"
						+ ratio(sidecar, Stats.median(rates.get(Lab.BASELINE_TARGET))) + "**." : ""));
	}

	/** S3: CPU seconds per 1000 requests at 1000 req/s; also the sidecar's memory under that load. */
	void s3() throws Exception {
		int rate = 1000;
		this.report.section("S3 CPU per 1000 requests (" + rate + " req/s, open loop)");
		List<String> names = withBaseline(List.of("1 sidecar", "2 sidecars", "1 HAProxy", "2 HAProxy", "1 nginx"));
		Map<String, List<Double>> cpu = new LinkedHashMap<>();
		names.forEach((n) -> cpu.put(n, new ArrayList<>()));
		// Bytes the one sidecar's event loop allocates per request: what its young collections
		// have to clear, and a figure that moves far less between runs than CPU time does.
		Map<String, List<Double>> allocated = new LinkedHashMap<>();
		try (LoadGenerator generator = new LoadGenerator()) {
			for (int run = 0; run < this.settings.runs; run++) {
				for (String name : names) {
					Lab.Target target = this.lab.target(name);
					boolean oneSidecar = name.equals("1 sidecar") || name.equals(Lab.BASELINE_TARGET);
					generator.run(URI.create(target.url()), target.host(), this.settings.connections, rate,
							Duration.ZERO, this.settings.warmup);
					long allocatedBefore = oneSidecar ? target.proxies().get(0).allocatedBytes(EVENT_LOOP) : 0;
					double before = target.proxies().stream().mapToDouble(Proc::cpuSeconds).sum();
					LoadGenerator.Result result = generator.run(URI.create(target.url()), target.host(),
							this.settings.connections, rate, Duration.ZERO, this.settings.duration);
					double after = target.proxies().stream().mapToDouble(Proc::cpuSeconds).sum();
					long completed = result.sent() - result.errors() - result.incomplete();
					cpu.get(name).add((after - before) / completed * 1000);
					if (oneSidecar) {
						long allocatedAfter = target.proxies().get(0).allocatedBytes(EVENT_LOOP);
						allocated.computeIfAbsent(name, (n) -> new ArrayList<>())
							.add((allocatedAfter - allocatedBefore) / 1024.0 / completed);
					}
					if (name.equals("1 sidecar")) {
						this.sidecarRss.put("at " + rate + " req/s", this.lab.sidecarA.rssMiB());
					}
					if (name.equals(Lab.BASELINE_TARGET)) {
						this.sidecarRss.put("at " + rate + " req/s, the --baseline checkout's sidecar",
								this.lab.sidecarBaseline.rssMiB());
					}
				}
			}
		}
		List<List<String>> rows = new ArrayList<>();
		cpu.forEach((name, values) -> rows.add(List.of(name, Stats.format(values, "", 3),
				allocated.containsKey(name) ? Stats.format(allocated.get(name), "", 1) : "—")));
		this.report.table(List.of("target", "CPU seconds per 1000 requests (all proxy processes)",
				"KiB allocated per request (the sidecar's event loop)"), rows);
		this.report.paragraph("Sidecar / HAProxy CPU per request = **"
				+ ratio(Stats.median(cpu.get("1 sidecar")), Stats.median(cpu.get("1 HAProxy"))) + "**."
				+ (cpu.containsKey(Lab.BASELINE_TARGET) ? " Sidecar / the --baseline checkout's sidecar = **"
						+ ratio(Stats.median(cpu.get("1 sidecar")), Stats.median(cpu.get(Lab.BASELINE_TARGET))) + "**."
						: ""));
	}

	/** S4: the sidecar's resident memory idle, under load and holding many connections. */
	void s4() throws Exception {
		int connections = this.settings.openConnections;
		this.sidecarRss.put("with " + connections + " open connections", holdConnections(connections));
		this.noteIdleRss("idle again afterwards");
		this.report.section("S4 sidecar memory (RSS of sidecar A)");
		List<List<String>> rows = new ArrayList<>();
		this.sidecarRss.forEach((when, rss) -> rows.add(List.of(when, Stats.number(rss, 1))));
		this.report.table(List.of("when", "RSS MiB"), rows);
		this.report.paragraph("JVM options of the sidecar: `" + String.join(" ", this.lab.jvmOptions) + "`"
				+ (SidecarLaunch.prepared(this.lab.home) ? " and its class archive." : "."));
	}

	private double holdConnections(int count) throws Exception {
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
		List<Channel> channels = new ArrayList<>();
		CountDownLatch answered = new CountDownLatch(count);
		try {
			Bootstrap bootstrap = new Bootstrap().group(group)
				.channel(NioSocketChannel.class)
				.handler(new ChannelInitializer<SocketChannel>() {
					@Override
					protected void initChannel(SocketChannel channel) {
						channel.pipeline().addLast(new HttpClientCodec(), new SimpleChannelInboundHandler<HttpObject>() {
							@Override
							protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
								if (message instanceof LastHttpContent) {
									answered.countDown();
								}
							}
						});
					}
				});
			for (int i = 0; i < count; i++) {
				Channel channel = bootstrap.connect(new InetSocketAddress("127.0.0.1", 19101)).sync().channel();
				channels.add(channel);
				DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
				request.headers().set(HttpHeaderNames.HOST, "direct-up");
				channel.writeAndFlush(request);
			}
			if (!answered.await(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException(answered.getCount() + " of " + count + " requests went unanswered");
			}
			return this.lab.sidecarA.rssMiB();
		}
		finally {
			channels.forEach(Channel::close);
			group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
		}
	}

	/** S5: from starting the process to its first proxied request. */
	void s5() {
		this.report.section("S5 startup: process start to first proxied request");
		List<Double> prepared = new ArrayList<>();
		List<Double> preparedBothCpus = new ArrayList<>();
		Set<String> allCpus = new TreeSet<>();
		List<Double> jar = new ArrayList<>();
		List<Double> stock = new ArrayList<>();
		boolean archive = SidecarLaunch.prepared(this.lab.home);
		Path baseline = this.settings.baseline;
		List<Double> baselinePinned = new ArrayList<>();
		List<Double> baselineBothCpus = new ArrayList<>();
		for (int i = 0; i < this.settings.startupRuns; i++) {
			int run = i;
			if (baseline != null) {
				baselinePinned.add(timeToFirstRequest("baseline-start-" + run,
						() -> this.lab.sidecar("baseline-start-" + run, Lab.PROXY_CPU, baseline, "bench-start", 19999,
								19300, "/actuator/health/readiness", 19888, List.of(), List.of()),
						"http://127.0.0.1:19301/", "direct-up"));
				baselineBothCpus.add(timeToFirstRequest("baseline-start-2cpu-" + run,
						() -> this.lab.sidecar("baseline-start-2cpu-" + run, -1, baseline, "bench-start", 19999, 19300,
								"/actuator/health/readiness", 19888, List.of(), List.of()),
						"http://127.0.0.1:19301/", "direct-up"));
			}
			if (archive) {
				prepared.add(timeToFirstRequest("sidecar-start-" + run, () -> this.lab.sidecar("sidecar-start-" + run,
						"bench-start", 19999, 19300, "/actuator/health/readiness", true), "http://127.0.0.1:19301/",
						"direct-up"));
				preparedBothCpus.add(timeToFirstRequest("sidecar-start-2cpu-" + run,
						() -> this.lab.sidecar("sidecar-start-2cpu-" + run, -1, "bench-start", 19999, 19300,
								"/actuator/health/readiness", true, 19888, List.of(), List.of()),
						"http://127.0.0.1:19301/", "direct-up", (proc) -> allCpus.add(proc.allowedCpus())));
			}
			jar.add(timeToFirstRequest("sidecar-jar-start-" + run, () -> this.lab.sidecar("sidecar-jar-start-" + run,
					"bench-start", 19999, 19300, "/actuator/health/readiness", false), "http://127.0.0.1:19301/",
					"direct-up"));
			stock.add(timeToFirstRequest("stock-start-" + run, () -> this.lab.java("stock-start-" + run, Lab.PROXY_CPU,
					this.lab.stockJar(), List.of("--bench.port=19091", "--bench.upstream=http://127.0.0.1:" + Lab.UPSTREAM)),
					"http://127.0.0.1:19091/", null));
		}
		this.report.paragraph("The sidecar starts with the control plane up and learns the destination from it on "
				+ "the first request; median of " + this.settings.startupRuns + " starts (range), pinned to one CPU "
				+ "(its compiler threads share that CPU with the application), interleaved; the second row lets the "
				+ "same sidecar use every CPU of the machine, as one with a CPU limit above one core would.");
		List<List<String>> rows = new ArrayList<>();
		if (archive) {
			rows.add(List.of("sidecar as `./mesh sidecar` runs it (extracted, class archive)", Stats.format(prepared, " ms", 0)));
			rows.add(List.of("the same, not pinned (on CPUs " + String.join(" and ", allCpus) + ")",
					Stats.format(preparedBothCpus, " ms", 0)));
		}
		if (baseline != null) {
			rows.add(List.of("baseline checkout `" + baseline + "` (" + Lab.describe(baseline) + "), prepared, pinned",
					Stats.format(baselinePinned, " ms", 0)));
			rows.add(List.of("the baseline, not pinned", Stats.format(baselineBothCpus, " ms", 0)));
		}
		rows.add(List.of("sidecar from its executable jar (`java -jar`, no archive)", Stats.format(jar, " ms", 0)));
		rows.add(List.of("stock Spring Cloud Gateway (`java -jar`, same JVM options)", Stats.format(stock, " ms", 0)));
		this.report.table(List.of("process", "start to first proxied request"), rows);
	}

	private double timeToFirstRequest(String name, java.util.function.Supplier<Proc> start, String url, String host) {
		return timeToFirstRequest(name, start, url, host, (proc) -> {
		});
	}

	/** As above; {@code served} is given the process after its first proxied request, before it is stopped. */
	private double timeToFirstRequest(String name, java.util.function.Supplier<Proc> start, String url, String host,
			java.util.function.Consumer<Proc> served) {
		long begin = System.nanoTime();
		Proc proc = start.get();
		try {
			long deadline = begin + TimeUnit.MINUTES.toNanos(2);
			while (System.nanoTime() < deadline) {
				if (Http.status(url, host) == 200) {
					double millis = (System.nanoTime() - begin) / 1e6;
					served.accept(proc);
					return millis;
				}
				if (!proc.alive()) {
					throw new IllegalStateException(name + " exited:\n" + proc.tail(40));
				}
				Http.pause(Duration.ofMillis(5));
			}
			throw new IllegalStateException(name + " did not proxy a request within 2 minutes:\n" + proc.tail(40));
		}
		finally {
			proc.stop();
		}
	}

	/** S6: from editing a policy file to every watching sidecar having applied it. */
	void s6() throws Exception {
		this.report.section("S6 policy propagation");
		this.report.paragraph("N simulated sidecars follow one service through the watch long-poll and fetch its "
				+ "policy through the Environment API, as sidecars do; the policy file is then edited "
				+ this.settings.propagationChanges + " times, after " + this.settings.propagationWarmupChanges
				+ " discarded changes that warm up the control plane. Times from the write to each sidecar having the new "
				+ "version (the control plane learns of the edit from the file system's events). Columns: when the "
				+ "control plane's API first shows the new version to the benchmark; when the sidecars' watches "
				+ "were answered; when they had fetched it through the Environment API (\"p50\" to \"max\"). The "
				+ "simulated sidecars share one Reactor Netty event loop on the load CPU; the control plane has "
				+ "the proxy CPU.");
		Path file = this.lab.work.resolve("policy/prop.yml");
		List<List<String>> rows = new ArrayList<>();
		int change = 0;
		for (int count : this.settings.watchers) {
			List<Double> all = new ArrayList<>();
			List<Double> served = new ArrayList<>();
			Histogram notified = new Histogram(3);
			String initial = awaitServedOtherThan(null);
			Lab.write(file, "mesh.policy.timeout: " + (1000 + change++) + "ms\n");
			String first = awaitServedOtherThan(initial);
			try (Watchers watchers = new Watchers("http://127.0.0.1:19888", "prop", count)) {
				String version = first;
				if (!watchers.awaitAll(version, Duration.ofSeconds(60))) {
					throw new IllegalStateException("Not all " + count + " watchers got the first version");
				}
				// Discarded changes first, so the control plane's JIT has seen the path.
				int edits = this.settings.propagationWarmupChanges + this.settings.propagationChanges;
				for (int i = 0; i < edits; i++) {
					String before = version;
					long written = System.nanoTime();
					Lab.write(file, "mesh.policy.timeout: " + (1000 + change++) + "ms\n");
					version = awaitServedOtherThan(before);
					long servedAt = System.nanoTime();
					if (!watchers.awaitAll(version, Duration.ofSeconds(30))) {
						throw new IllegalStateException("Not all " + count + " watchers applied " + version + " in 30 s");
					}
					if (i < this.settings.propagationWarmupChanges) {
						continue;
					}
					served.add((servedAt - written) / 1e6);
					for (long at : watchers.notifiedAt(version)) {
						notified.recordValue(Math.max(0, (at - written) / 1000));
					}
					for (long at : watchers.appliedAt(version)) {
						all.add((at - written) / 1e6);
					}
				}
			}
			Histogram histogram = new Histogram(3);
			all.forEach((ms) -> histogram.recordValue(Math.max(0, Math.round(ms * 1000))));
			rows.add(List.of(String.valueOf(count), Stats.format(served, "", 0),
					Stats.number(notified.getValueAtPercentile(50) / 1000.0, 0) + " / "
							+ Stats.number(notified.getValueAtPercentile(99) / 1000.0, 0),
					Stats.number(histogram.getValueAtPercentile(50) / 1000.0, 0),
					Stats.number(histogram.getValueAtPercentile(99) / 1000.0, 0),
					Stats.number(histogram.getMaxValue() / 1000.0, 0), String.valueOf(all.size())));
		}
		this.report.table(List.of("sidecars", "control plane serves it, ms (median and range)",
				"watch answered, p50 / p99 ms", "p50 ms", "p99 ms", "max ms",
				"applications measured"), rows);
	}

	/**
	 * S7: three instances of a service, one answering 50 ms late, called through one sidecar at
	 * a fixed rate, under peak-EWMA (the default) and round-robin: client latency and the slow
	 * instance's share of the requests.
	 */
	void s7() throws Exception {
		this.report.section("S7 balancing with one slow instance");
		this.report.paragraph("Service `lb` has three instances: two are the nginx upstream, one a server in the "
				+ "harness that answers after 50 ms. The load generator calls it through sidecar A at "
				+ this.settings.balancingRate + " req/s on " + this.settings.connections + " connections (open loop, "
				+ this.settings.warmup.toSeconds() + " s warm-up then " + this.settings.duration.toSeconds()
				+ " s measured, " + this.settings.runs + " runs per balancer, interleaved). The balancer is set by "
				+ "editing `lb.yml` (`mesh.policy.load-balancer.type`) and applied live; the slow instance's share "
				+ "is from the sidecar's own count of responses per endpoint over each run.");
		Path file = this.lab.work.resolve("policy/lb.yml");
		List<String> types = List.of("peak-ewma", "round-robin");
		Map<String, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
		Map<String, List<Double>> shares = new LinkedHashMap<>();
		types.forEach((type) -> {
			results.put(type, new ArrayList<>());
			shares.put(type, new ArrayList<>());
		});
		try (HarnessServer slow = new HarnessServer(Duration.ofMillis(50)); LoadGenerator generator = new LoadGenerator()) {
			this.lab.registerService("lb", Map.of("fast-1", Lab.UPSTREAM, "fast-2", Lab.UPSTREAM, "slow", slow.port()));
			Lab.write(file, "mesh.policy.load-balancer.type: peak-ewma\n");
			// The sidecar follows a service from its first call to it.
			Http.awaitOk("sidecar A to lb", "http://127.0.0.1:19101/", "lb", Duration.ofMinutes(1), this.lab.sidecarA);
			awaitBalancer("peak-ewma");
			for (int run = 0; run < this.settings.runs; run++) {
				List<String> order = new ArrayList<>(types);
				Collections.shuffle(order, this.random);
				for (String type : order) {
					Lab.write(file, "mesh.policy.load-balancer.type: " + type + "\n");
					awaitBalancer(type);
					Map<String, Long> before = responsesPerEndpoint();
					results.get(type).add(generator.run(URI.create("http://127.0.0.1:19101/"), "lb",
							this.settings.connections, this.settings.balancingRate, this.settings.warmup,
							this.settings.duration));
					Map<String, Long> after = responsesPerEndpoint();
					long total = 0;
					long slowOnes = 0;
					for (Map.Entry<String, Long> entry : after.entrySet()) {
						long delta = entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
						total += delta;
						if (entry.getKey().equals("slow")) {
							slowOnes = delta;
						}
					}
					shares.get(type).add((total == 0) ? 0 : 100.0 * slowOnes / total);
				}
			}
		}
		List<List<String>> rows = new ArrayList<>();
		for (String type : types) {
			List<LoadGenerator.Result> runs = results.get(type);
			long errors = runs.stream().mapToLong((r) -> r.errors() + r.incomplete()).sum();
			rows.add(List.of(type, pct(runs, 50), pct(runs, 90), pct(runs, 99), pct(runs, 99.9), pct(runs, 100),
					Stats.format(shares.get(type), "%", 1), String.valueOf(errors)));
		}
		this.report.table(List.of("balancer", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs",
				"slow instance's share", "errors"), rows);
		this.report.paragraph("Client p99 peak-EWMA / round-robin = **"
				+ ratio(median(results.get("peak-ewma"), 99), median(results.get("round-robin"), 99)) + "**.");
	}

	/**
	 * S8: failures through one sidecar at a fixed rate: an instance of three dying in the middle
	 * of a run (errors the caller saw), and a service failing every request (the load the
	 * retries add, which the retry budget bounds).
	 */
	void s8() throws Exception {
		this.report.section("S8 a dying instance and a failing service");
		this.report.paragraph("Through sidecar A at " + this.settings.balancingRate + " req/s on "
				+ this.settings.connections + " connections (open loop), " + this.settings.runs + " runs of "
				+ this.settings.duration.toSeconds() + " s each. **Dying instance**: a service of three instances "
				+ "(servers in the harness, 1 KiB answers), default policy (2 retries on connection failures and "
				+ "resets, outlier detection); halfway through the run one instance stops at once, closing its "
				+ "connections, as a killed process; the load generator counts every request that failed. "
				+ "**Failing service**: one server answering 503 to everything, registered as three instances, "
				+ "policy `retries: { retry-on: [gateway-error] }` (2 retries, the default budget of 20% plus 10/s "
				+ "over 10 s); the server counts the requests that reach it, against those the generator sent "
				+ "(no warm-up, so the two counts cover the same requests).");
		List<List<String>> dying = new ArrayList<>();
		List<List<String>> failing = new ArrayList<>();
		try (LoadGenerator generator = new LoadGenerator()) {
			for (int run = 0; run < this.settings.runs; run++) {
				String service = "dying-" + run;
				try (HarnessServer a = new HarnessServer(Duration.ZERO); HarnessServer b = new HarnessServer(Duration.ZERO);
						HarnessServer c = new HarnessServer(Duration.ZERO)) {
					this.lab.registerService(service, Map.of("a", a.port(), "b", b.port(), "c", c.port()));
					Http.awaitOk("sidecar A to " + service, "http://127.0.0.1:19101/", service, Duration.ofMinutes(1),
							this.lab.sidecarA);
					java.util.concurrent.ScheduledExecutorService killer = java.util.concurrent.Executors
						.newSingleThreadScheduledExecutor();
					try {
						killer.schedule(c::kill, this.settings.warmup.plus(this.settings.duration.dividedBy(2)).toMillis(),
								TimeUnit.MILLISECONDS);
						LoadGenerator.Result result = generator.run(URI.create("http://127.0.0.1:19101/"), service,
								this.settings.connections, this.settings.balancingRate, this.settings.warmup,
								this.settings.duration);
						dying.add(List.of(String.valueOf(run + 1), String.valueOf(result.sent()),
								String.valueOf(result.errors()), String.valueOf(result.incomplete()),
								Stats.number(result.latency().getValueAtPercentile(99) / 1000.0, 1),
								Stats.number(result.latency().getMaxValue() / 1000.0, 1)));
					}
					finally {
						killer.shutdownNow();
					}
				}
				String failingService = "failing-" + run;
				try (HarnessServer down = new HarnessServer(Duration.ZERO, 503)) {
					Lab.write(this.lab.work.resolve("policy/" + failingService + ".yml"),
							"mesh.policy.retries: { retry-on: [ gateway-error ] }\n");
					this.lab.registerService(failingService,
							Map.of("f1", down.port(), "f2", down.port(), "f3", down.port()));
					awaitServed(failingService);
					// The sidecar follows the service from its first call.
					Http.status("http://127.0.0.1:19101/", failingService);
					Http.pause(Duration.ofSeconds(1));
					long before = down.requests();
					LoadGenerator.Result result = generator.run(URI.create("http://127.0.0.1:19101/"), failingService,
							this.settings.connections, this.settings.balancingRate, Duration.ZERO, this.settings.duration);
					Http.pause(Duration.ofMillis(500));
					long reached = down.requests() - before;
					double budget = 1.2 * result.sent() + 10 * (this.settings.duration.toSeconds() + 10);
					failing.add(List.of(String.valueOf(run + 1), String.valueOf(result.sent()), String.valueOf(reached),
							Stats.number((double) reached / Math.max(1, result.sent()), 2) + "×",
							String.valueOf(Math.round(budget))));
				}
			}
		}
		this.report.paragraph("**Dying instance** (one of three stops halfway through each run):");
		this.report.table(List.of("run", "requests", "failed", "unanswered", "p99 ms", "max ms"), dying);
		this.report.paragraph("**Failing service** (every answer 503):");
		this.report.table(List.of("run", "requests sent", "requests that reached it", "load from the mesh",
				"the budget's bound (1.2 × sent + 10/s over the run and one window)"), failing);
	}

	/**
	 * S9: the cost of finding a request's route when the mesh has policies for many services
	 * of 100 routes each, against a mesh of one: two sidecars with the same options, one
	 * following a control plane that holds only the measured service's policy, the other one
	 * holding {@code scaleServices} services' (and having followed {@code scaleFollowed} of them,
	 * so its own route table holds their compiled routes); the request matching the first of
	 * the service's 100 routes and the last.
	 */
	void s9() throws Exception {
		int services = this.settings.scaleServices;
		int followed = this.settings.scaleFollowed;
		this.report.section("S9 route table scale: 1 vs " + Stats.number(services, 0) + " services of "
				+ ScalePolicies.ROUTES + " routes");
		Path small = this.lab.work.resolve("policy-scale-1");
		Path large = this.lab.work.resolve("policy-scale-" + services);
		ScalePolicies.write(small, 1);
		long writing = System.nanoTime();
		ScalePolicies.write(large, services);
		double written = (System.nanoTime() - writing) / 1e9;
		Proc smallPlane = this.lab.controlPlane("control-plane-scale-1", 19890, small);
		long starting = System.nanoTime();
		Proc largePlane = this.lab.controlPlane("control-plane-scale-" + services, 19891, large);
		Http.awaitOk("control plane with " + services + " services", "http://127.0.0.1:19891/actuator/health", null,
				Duration.ofMinutes(15), largePlane);
		double largeStart = (System.nanoTime() - starting) / 1e9;
		Http.awaitOk("control plane with 1 service", "http://127.0.0.1:19890/actuator/health", null,
				Duration.ofMinutes(2), smallPlane);
		this.lab.registerUpstream(19890, ScalePolicies.TARGET);
		this.lab.registerUpstream(19891, ScalePolicies.TARGET);
		List<String> heap = List.of("-Xmx" + this.settings.scaleSidecarHeap);
		Proc one = this.lab.sidecar("sidecar-scale-1", "bench-client", 19999, 19500, "/actuator/health/readiness",
				true, 19890, heap);
		Proc many = this.lab.sidecar("sidecar-scale-" + services, "bench-client", 19999, 19600,
				"/actuator/health/readiness", true, 19891, heap);
		Http.awaitOk("sidecar with 1 service", "http://127.0.0.1:19501" + ScalePolicies.LAST_ROUTE_PATH,
				ScalePolicies.TARGET, Duration.ofMinutes(2), one);
		Http.awaitOk("sidecar with " + services + " services", "http://127.0.0.1:19601" + ScalePolicies.LAST_ROUTE_PATH,
				ScalePolicies.TARGET, Duration.ofMinutes(2), many);
		// The sidecar learns a service's policy on its first call to it; the others have no
		// instance, so each answers 503 no-endpoints once its routes are compiled.
		long following = System.nanoTime();
		for (int i = 1; i < followed; i++) {
			String service = ScalePolicies.name(i);
			int status = Http.status("http://127.0.0.1:19601/", service);
			if (status != 503) {
				throw new IllegalStateException("Calling " + service + " through the sidecar gave " + status
						+ ", not 503 no-endpoints:\n" + many.tail(20));
			}
		}
		double followTime = (System.nanoTime() - following) / 1e9;
		// Its log has a line for each policy applied (the admin endpoint, which lists every
		// followed service's compiled routes, is tens of megabytes by now).
		long followedNow = many.logLines("Applied policy ");
		if (followedNow < followed) {
			throw new IllegalStateException("The sidecar applied " + followedNow + " services' policies, not " + followed);
		}
		double largePlaneHeap = Lab.liveHeapMiB(largePlane);
		double smallPlaneHeap = Lab.liveHeapMiB(smallPlane);
		double manyHeap = Lab.liveHeapMiB(many);
		double oneHeap = Lab.liveHeapMiB(one);
		Map<String, Lab.Target> targets = new LinkedHashMap<>();
		targets.put("1 service, first route", new Lab.Target("1 service, first route",
				"http://127.0.0.1:19501" + ScalePolicies.FIRST_ROUTE_PATH, ScalePolicies.TARGET, List.of(one)));
		targets.put("1 service, last route", new Lab.Target("1 service, last route",
				"http://127.0.0.1:19501" + ScalePolicies.LAST_ROUTE_PATH, ScalePolicies.TARGET, List.of(one)));
		String manyName = Stats.number(services, 0) + " services";
		targets.put(manyName + ", first route", new Lab.Target(manyName + ", first route",
				"http://127.0.0.1:19601" + ScalePolicies.FIRST_ROUTE_PATH, ScalePolicies.TARGET, List.of(many)));
		targets.put(manyName + ", last route", new Lab.Target(manyName + ", last route",
				"http://127.0.0.1:19601" + ScalePolicies.LAST_ROUTE_PATH, ScalePolicies.TARGET, List.of(many)));
		Duration warmUp = this.settings.jitWarmup.dividedBy(2);
		for (Lab.Target target : targets.values()) {
			Wrk.run(Lab.LOAD_CPU, target.url(), target.host(), this.settings.connections, warmUp);
		}
		int lookups = this.settings.smoke ? 100_000 : 1_000_000;
		double[] matching = matchingCost(small.resolve(ScalePolicies.TARGET + ".yml"), lookups);
		double planeCpuBefore = largePlane.cpuSeconds();
		long measuring = System.nanoTime();
		// Well below the sidecar's capacity on one core, so that latency shows the path's cost
		// rather than queueing.
		int rate = 500;
		Map<String, List<Double>> throughput = new LinkedHashMap<>();
		Map<String, List<LoadGenerator.Result>> latency = new LinkedHashMap<>();
		targets.keySet().forEach((name) -> {
			throughput.put(name, new ArrayList<>());
			latency.put(name, new ArrayList<>());
		});
		try (LoadGenerator generator = new LoadGenerator()) {
			for (int run = 0; run < this.settings.runs; run++) {
				List<Lab.Target> order = new ArrayList<>(targets.values());
				Collections.shuffle(order, this.random);
				for (Lab.Target target : order) {
					throughput.get(target.name()).add(Wrk.run(Lab.LOAD_CPU, target.url(), target.host(),
							this.settings.connections, this.settings.duration));
					latency.get(target.name()).add(generator.run(URI.create(target.url()), target.host(),
							this.settings.connections, rate, this.settings.warmup, this.settings.duration));
				}
			}
		}
		double planeCpu = (largePlane.cpuSeconds() - planeCpuBefore) / ((System.nanoTime() - measuring) / 1e9);
		this.report.paragraph("Two sidecars with the same options (theirs plus `" + String.join(" ", heap)
				+ "`), pinned to CPU " + Lab.PROXY_CPU + ": one follows a control plane holding only the policy of `"
				+ ScalePolicies.TARGET + "` (" + ScalePolicies.ROUTES + " routes); the other one a control plane "
				+ "holding " + Stats.number(services, 0) + " services' policies of " + ScalePolicies.ROUTES
				+ " routes each (" + Stats.number((double) services * ScalePolicies.ROUTES, 0) + " routes; "
				+ "generated by `ScalePolicies`: path prefix, exact and regex matches with methods, headers "
				+ "and query parameters), and has called " + Stats.number(followed, 0) + " of them, so its route "
				+ "table holds " + Stats.number((double) followed * ScalePolicies.ROUTES, 0) + " compiled routes. `"
				+ ScalePolicies.TARGET + "` is the nginx upstream. Both control planes run unpinned and check their "
				+ "directory every " + Lab.SCALE_POLL_INTERVAL + " (docs/operations.md: a check of 10,000 files every 500 ms "
				+ "costs about a tenth of a core). \"first route\": `" + ScalePolicies.FIRST_ROUTE_PATH
				+ "`, which the first route takes; \"last route\": `" + ScalePolicies.LAST_ROUTE_PATH + "`, which "
				+ "only the catch-all 100th route takes, after 99 misses. Throughput: `wrk -t1 -c"
				+ this.settings.connections + " -d" + this.settings.duration.toSeconds() + "s` on CPU " + Lab.LOAD_CPU
				+ "; latency: open loop at " + rate + " req/s, " + this.settings.duration.toSeconds() + " s after "
				+ this.settings.warmup.toSeconds() + " s of warm-up; " + this.settings.runs + " runs of each, "
				+ "interleaved in random order, after " + warmUp.toSeconds() + " s of wrk on each; median (range).");
		List<List<String>> rows = new ArrayList<>();
		for (String name : targets.keySet()) {
			List<LoadGenerator.Result> runs = latency.get(name);
			long errors = runs.stream().mapToLong((r) -> r.errors() + r.incomplete()).sum();
			rows.add(List.of(name, Stats.format(throughput.get(name), "", 0), pct(runs, 50), pct(runs, 99),
					pct(runs, 99.9), String.valueOf(errors)));
		}
		this.report.table(List.of("sidecar's mesh, route taken", "requests/s (wrk)", "p50 µs", "p99 µs", "p99.9 µs",
				"errors at " + rate + " req/s"), rows);
		for (String route : List.of("first route", "last route")) {
			String oneName = "1 service, " + route;
			String manyRoute = manyName + ", " + route;
			this.report.paragraph(Stats.number(services, 0) + " services / 1 service, " + route + ": throughput **"
					+ ratio(Stats.median(throughput.get(manyRoute)), Stats.median(throughput.get(oneName)))
					+ "**, p99 **" + ratio(median(latency.get(manyRoute), 99), median(latency.get(oneName), 99)) + "**.");
		}
		this.report.table(List.of("memory and time", "value"), List.of(
				List.of("control plane with " + Stats.number(services, 0) + " services: start to ready (reads and "
						+ "validates every policy)", Stats.number(largeStart, 1) + " s"),
				List.of("its live heap after a full GC (of " + Lab.CONTROL_PLANE_OPTIONS.get(2) + ")",
						Stats.number(largePlaneHeap, 1) + " MiB"),
				List.of("its CPU while the sidecars were measured (idle but for its directory checks and the "
						+ "sidecars' watches)", Stats.number(planeCpu * 100, 1) + "% of a core"),
				List.of("control plane with 1 service: live heap", Stats.number(smallPlaneHeap, 1) + " MiB"),
				List.of("sidecar following " + Stats.number(followed, 0) + " services: live heap",
						Stats.number(manyHeap, 1) + " MiB"),
				List.of("sidecar following 1 service: live heap", Stats.number(oneHeap, 1) + " MiB"),
				List.of("heap per followed service of " + ScalePolicies.ROUTES + " routes",
						Stats.number((manyHeap - oneHeap) * 1024 / Math.max(1, followed - 1), 0) + " KiB"),
				List.of("first calls to " + Stats.number(followed - 1, 0) + " services (fetch, validate, compile), "
						+ "one at a time", Stats.number(followTime, 1) + " s"),
				List.of("writing the " + Stats.number(services, 0) + " policy files", Stats.number(written, 1) + " s")));
		this.report.paragraph("Matching alone, in the harness's JVM (the sidecar's own `RouteMatch` over the target's "
				+ "bound policy, " + lookups + " lookups per round, median of 5 rounds after 5 discarded): **"
				+ Stats.number(matching[0], 0) + " ns** for the first route, **" + Stats.number(matching[1], 0)
				+ " ns** for the last (99 misses, a third of them path regexes). The sidecar finds the service's "
				+ "routes by a hash lookup on its name, so the number of services does not enter this figure.");
	}

	/**
	 * S10: what the sidecar's observability costs on the data path. The same sidecar, one hop to
	 * the upstream, with request metrics, traffic reports and taps off; as it comes (metrics on);
	 * tracing every request into a Zipkin stand-in besides; and the JSON access log besides that.
	 * Each is a process of its own, started for this scenario and stopped at its end.
	 */
	void s10() throws Exception {
		int rate = this.settings.observabilityRate;
		this.report.section("S10 observability cost: metrics, tracing and access log, on vs off");
		Path accessLog = this.lab.work.resolve("access.log").toAbsolutePath();
		List<SpanSink> sinks = new ArrayList<>();
		Map<String, Proc> sidecars = new LinkedHashMap<>();
		try {
			// A sink for each tracing sidecar, so that each one's spans are counted apart.
			SpanSink tracingSpans = new SpanSink();
			sinks.add(tracingSpans);
			SpanSink loggingSpans = new SpanSink();
			sinks.add(loggingSpans);
			List<String> tracing = List.of("--mesh.proxy.tracing.zipkin-endpoint=" + tracingSpans.endpoint(),
					"--mesh.proxy.tracing.sampling-probability=1.0");
			List<String> tracingAndLog = List.of("--mesh.proxy.tracing.zipkin-endpoint=" + loggingSpans.endpoint(),
					"--mesh.proxy.tracing.sampling-probability=1.0", "--mesh.proxy.access-log.enabled=true",
					"--mesh.proxy.access-log.path=" + accessLog);
			List<Variant> variants = new ArrayList<>();
			variants.add(new Variant(OFF, "off", 19700, List.of("--mesh.proxy.telemetry.metrics=false",
					"--mesh.proxy.telemetry.report-interval=0", "--mesh.proxy.tap.enabled=false"), null));
			variants.add(new Variant(METRICS, "metrics", 19710, List.of(), null));
			variants.add(new Variant(TRACING, "tracing", 19720, tracing, tracingSpans));
			variants.add(new Variant(TRACING_LOG, "tracing-log", 19730, tracingAndLog, loggingSpans));
			SpanSink sampledSpans = null;
			if (this.settings.observabilityDefaultSampling) {
				sampledSpans = new SpanSink();
				sinks.add(sampledSpans);
				variants.add(new Variant(TRACING_SAMPLED, "tracing-sampled", 19740,
						List.of("--mesh.proxy.tracing.zipkin-endpoint=" + sampledSpans.endpoint()), sampledSpans));
			}
			if (this.settings.smoke) {
				// Two JVMs start in about the time the smoke run may take: the two ends.
				variants.removeIf((variant) -> !variant.name().equals(OFF) && !variant.name().equals(TRACING_LOG));
			}
			for (Variant variant : variants) {
				sidecars.put(variant.name(), this.lab.sidecar("sidecar-obs-" + variant.key(), "bench-obs-" + variant.key(),
						19999, variant.base(), "/actuator/health/readiness", true, 19888, List.of(),
						variant.arguments()));
			}
			for (Variant variant : variants) {
				Http.awaitOk("S10 sidecar " + variant.name(), variant.url(), "direct-up", Duration.ofMinutes(3),
						sidecars.get(variant.name()));
			}
			// Only the sidecar measured runs; the others are frozen, so that their background
			// threads (span reporters, traffic reports) take nothing from it.
			sidecars.values().forEach((sidecar) -> sidecar.suspend(true));
			for (Variant variant : variants) {
				Proc sidecar = sidecars.get(variant.name());
				sidecar.suspend(false);
				Wrk.run(Lab.LOAD_CPU, variant.url(), "direct-up", this.settings.connections, this.settings.jitWarmup);
				sidecar.suspend(true);
			}
			Map<String, List<Double>> throughput = new LinkedHashMap<>();
			Map<String, List<LoadGenerator.Result>> latency = new LinkedHashMap<>();
			Map<String, List<Double>> cpu = new LinkedHashMap<>();
			for (Variant variant : variants) {
				throughput.put(variant.name(), new ArrayList<>());
				latency.put(variant.name(), new ArrayList<>());
				cpu.put(variant.name(), new ArrayList<>());
			}
			double loadSeconds = (this.settings.warmup.toNanos() + this.settings.duration.toNanos()) / 1e9;
			try (LoadGenerator generator = new LoadGenerator()) {
				for (int run = 0; run < this.settings.runs; run++) {
					List<Variant> order = new ArrayList<>(variants);
					Collections.shuffle(order, this.random);
					for (Variant variant : order) {
						Proc sidecar = sidecars.get(variant.name());
						sidecar.suspend(false);
						throughput.get(variant.name()).add(Wrk.run(Lab.LOAD_CPU, variant.url(), "direct-up",
								this.settings.connections, this.settings.duration));
						double before = sidecar.cpuSeconds();
						latency.get(variant.name()).add(generator.run(URI.create(variant.url()), "direct-up",
								this.settings.connections, rate, this.settings.warmup, this.settings.duration));
						double after = sidecar.cpuSeconds();
						cpu.get(variant.name()).add((after - before) / (rate * loadSeconds) * 1000);
						sidecar.suspend(true);
					}
				}
			}
			sidecars.values().forEach((sidecar) -> sidecar.suspend(false));
			// The span reporter sends what it holds about once a second; the access log's writer
			// drains its queue as fast as the disk takes it.
			Http.pause(Duration.ofSeconds(3));
			this.report.paragraph("Sidecars launched as `./mesh sidecar` launches them (ahead-of-time processed bean "
					+ "definitions; the options under test are decided at run time), one per variant, each a process "
					+ "of its own pinned to CPU " + Lab.PROXY_CPU + " and proxying to the nginx upstream (`direct-up`, one "
					+ "hop, as \"1 sidecar\" in S1–S3). Throughput: `wrk -t1 -c" + this.settings.connections + " -d"
					+ this.settings.duration.toSeconds() + "s` on CPU " + Lab.LOAD_CPU + "; latency: open loop at " + rate
					+ " req/s, " + this.settings.duration.toSeconds() + " s measured after " + this.settings.warmup.toSeconds()
					+ " s at the same rate; CPU: the sidecar process's CPU seconds (all its threads, the span reporter "
					+ "and the access log's writer included) over that open-loop run, warm-up included, per 1000 requests "
					+ "sent. " + this.settings.runs + " runs of each, the variants interleaved in random order in each run, "
					+ "after " + this.settings.jitWarmup.toSeconds() + " s of wrk on each; median (range).");
			List<List<String>> rows = new ArrayList<>();
			for (Variant variant : variants) {
				List<LoadGenerator.Result> runs = latency.get(variant.name());
				long errors = runs.stream().mapToLong((r) -> r.errors() + r.incomplete()).sum();
				rows.add(List.of(variant.name(), Stats.format(throughput.get(variant.name()), "", 0), pct(runs, 50),
						pct(runs, 99), pct(runs, 99.9), Stats.format(cpu.get(variant.name()), "", 3),
						String.valueOf(errors)));
			}
			this.report.table(List.of("sidecar", "requests/s (wrk)", "p50 µs", "p99 µs", "p99.9 µs",
					"CPU s per 1000 requests", "errors at " + rate + " req/s"), rows);
			double offThroughput = Stats.median(throughput.get(OFF));
			double offP50 = median(latency.get(OFF), 50);
			double offP99 = median(latency.get(OFF), 99);
			double offCpu = Stats.median(cpu.get(OFF));
			List<List<String>> versusOff = new ArrayList<>();
			for (Variant variant : variants.subList(1, variants.size())) {
				String name = variant.name();
				versusOff.add(List.of(name, ratio(Stats.median(throughput.get(name)), offThroughput),
						signed(median(latency.get(name), 50) - offP50), signed(median(latency.get(name), 99) - offP99),
						ratio(Stats.median(cpu.get(name)), offCpu)));
			}
			this.report.paragraph("Against **off** (medians):");
			this.report.table(List.of("sidecar", "throughput / off", "added p50 µs", "added p99 µs", "CPU per request / off"),
					versusOff);
			List<String> ratios = new ArrayList<>();
			Map<String, String> shortNames = Map.of(METRICS, "metrics/off",
					TRACING, "tracing/off", TRACING_LOG, "tracing+log/off", TRACING_SAMPLED, "tracing at 0.1/off");
			for (Variant variant : variants.subList(1, variants.size())) {
				ratios.add(shortNames.get(variant.name()) + " = **"
						+ ratio(Stats.median(throughput.get(variant.name())), offThroughput) + "**");
			}
			this.report.paragraph("Throughput " + String.join(", ", ratios) + ".");
			List<List<String>> exported = new ArrayList<>();
			for (Variant variant : variants) {
				String metrics = Http.text("http://127.0.0.1:" + variant.base() + "/actuator/prometheus");
				boolean counted = metrics.contains("trellis_requests_seconds_count");
				long handled = Math.round(promSum(metrics, "trellis_requests_seconds_count"));
				boolean tap = metrics.contains("trellis_tap_open");
				SpanSink sink = variant.sink();
				exported.add(List.of(variant.name(), counted ? String.valueOf(handled) : "no metric",
						tap ? "on" : "off", (sink != null) ? String.valueOf(sink.spans()) : "—",
						(sink != null && counted) ? Stats.number((double) sink.spans() / Math.max(1, handled), 3) : "—",
						(sink != null) ? String.valueOf(sink.malformed()) : "—"));
			}
			this.report.paragraph("What each sidecar really did, from its `/actuator/prometheus` and the Zipkin "
					+ "stand-in (a JDK HTTP server in the harness answering 202 to `POST " + SpanSink.PATH + "` and "
					+ "counting the spans in each JSON v2 body): requests it timed in `trellis.requests` (warm-up "
					+ "included), whether its tap endpoint was there (`trellis_tap_open`), spans received from it:");
			this.report.table(List.of("sidecar", "requests timed", "tap", "spans exported", "spans per request",
					"malformed span posts"), exported);
			String metrics = Http.text("http://127.0.0.1:19730/actuator/prometheus");
			long lines = lineCount(accessLog);
			this.report.paragraph("Access log (" + TRACING_LOG + "): **" + lines + "** lines in `" + accessLog.getFileName()
					+ "` (" + Stats.number((Files.exists(accessLog) ? Files.size(accessLog) : 0) / (1024.0 * 1024.0), 1)
					+ " MiB), `trellis_access_log_written_total` "
					+ Math.round(promSum(metrics, "trellis_access_log_written_total")) + ", `trellis_access_log_dropped_total` "
					+ "**" + Math.round(promSum(metrics, "trellis_access_log_dropped_total")) + "**; the sidecar counted "
					+ Math.round(promSum(metrics, "trellis_requests_seconds_count")) + " requests.");
			this.report.paragraph("Only the sidecar being measured runs: the others are frozen (SIGSTOP) meanwhile, "
					+ "so their background threads take nothing from it. What each variant does per request. **off**: "
					+ "`--mesh.proxy.telemetry.metrics=false --mesh.proxy.telemetry.report-interval=0 "
					+ "--mesh.proxy.tap.enabled=false`: no `trellis.requests` timer, no `/tap`, no traffic reports; the "
					+ "request observer is not installed at all. **metrics** "
					+ "(the default): the observer sees each request end; it is timed into `trellis.requests` (tags: "
					+ "direction, source, destination, route, subset, status class), counted for the traffic report sent "
					+ "to the control plane every 5 s, and offered to open taps (none is open here). **metrics + tracing**: besides, a Brave span "
					+ "(Micrometer Tracing) per request, a CLIENT span on the outbound listener, child of the context "
					+ "the request carried (none here, so a new trace), its W3C and B3 headers set on the request sent "
					+ "on, every trace sampled (`sampling-probability=1.0`), spans encoded as Zipkin JSON v2 and posted "
					+ "in batches by a background reporter thread (`--mesh.proxy.tracing.zipkin-endpoint`). "
					+ "**metrics + tracing + access log**: besides, a JSON line per request queued to a bounded queue "
					+ "(8192 lines) that a writer thread appends to a file; lines that do not fit are dropped and counted."
					+ (this.settings.observabilityDefaultSampling ? " **metrics + tracing at 0.1**: tracing at the default "
							+ "sampling probability: every request still gets its trace context and headers, one in ten "
							+ "is recorded and exported." : ""));
		}
		finally {
			sidecars.values().forEach((sidecar) -> {
				sidecar.suspend(false);
				sidecar.stop();
			});
			sinks.forEach(SpanSink::close);
		}
	}

	/**
	 * A sidecar of S10.
	 * @param name how the report names it
	 * @param key its process and service name's suffix
	 * @param base its admin port (outbound base+1, inbound base+6)
	 * @param arguments its {@code --mesh.proxy.*} options
	 * @param sink where it sends spans, or null
	 */
	private record Variant(String name, String key, int base, List<String> arguments, SpanSink sink) {

		String url() {
			return "http://127.0.0.1:" + (this.base + 1) + "/";
		}

	}

	/** The sum of a Prometheus metric's samples (every series of it) in an exposition. */
	private static double promSum(String exposition, String metric) {
		double sum = 0;
		for (String line : exposition.split("\n")) {
			if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
				String[] fields = line.trim().split("\\s+");
				sum += Double.parseDouble(fields[fields.length - 1]);
			}
		}
		return sum;
	}

	private static long lineCount(Path file) throws IOException {
		if (!Files.exists(file)) {
			return 0;
		}
		long lines = 0;
		byte[] buffer = new byte[1 << 16];
		try (InputStream in = Files.newInputStream(file)) {
			for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
				for (int i = 0; i < read; i++) {
					if (buffer[i] == '\n') {
						lines++;
					}
				}
			}
		}
		return lines;
	}

	private static String signed(double value) {
		return ((value > 0) ? "+" : "") + Stats.number(value, 0);
	}

	/**
	 * The time to find a request's route among a policy's routes, first and last, in this JVM:
	 * what the sidecar does per request after its hash lookup by service.
	 * @return nanoseconds per lookup for the first route and the last
	 */
	private static double[] matchingCost(Path policy, int lookups) {
		List<RouteRule> routes = PolicyBinder
			.bind(ScalePolicies.TARGET, PolicyFiles.read(policy))
			.effectiveRoutes();
		RequestView first = view(ScalePolicies.FIRST_ROUTE_PATH);
		RequestView last = view(ScalePolicies.LAST_ROUTE_PATH);
		if (index(routes, first) != 0 || index(routes, last) != routes.size() - 1) {
			throw new IllegalStateException("The scale policy's paths do not take its first and last routes");
		}
		double[] result = new double[2];
		for (int which = 0; which < 2; which++) {
			RequestView request = (which == 0) ? first : last;
			List<Double> rounds = new ArrayList<>();
			long sink = 0;
			for (int round = 0; round < 10; round++) {
				long start = System.nanoTime();
				for (int i = 0; i < lookups; i++) {
					sink += index(routes, request);
				}
				if (round >= 5) {
					rounds.add((System.nanoTime() - start) / (double) lookups);
				}
			}
			if (sink < 0) {
				throw new IllegalStateException("unreachable");
			}
			result[which] = Stats.median(rounds);
		}
		return result;
	}

	private static int index(List<RouteRule> routes, RequestView request) {
		for (int i = 0; i < routes.size(); i++) {
			if (routes.get(i).match().matches(request)) {
				return i;
			}
		}
		return -1;
	}

	private static RequestView view(String path) {
		return new RequestView() {

			@Override
			public String method() {
				return "GET";
			}

			@Override
			public String path() {
				return path;
			}

			@Override
			public String header(String name) {
				return name.equals("accept") ? "*/*" : null;
			}

			@Override
			public String queryParam(String name) {
				return null;
			}

		};
	}

	private void awaitServed(String service) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			if (Http.json("http://127.0.0.1:19888/mesh/v1/policy").toString().contains("\"" + service + "\"")) {
				return;
			}
			Http.pause(Duration.ofMillis(50));
		}
		throw new IllegalStateException("The control plane did not serve a policy for " + service + " within 30 s");
	}

	private void awaitBalancer(String type) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			String applied = Http.json("http://127.0.0.1:19100/actuator/mesh")
				.path("policies").path("lb").path("loadBalancer").path("type").asString(null);
			if (type.equals(applied)) {
				return;
			}
			Http.pause(Duration.ofMillis(50));
		}
		throw new IllegalStateException("Sidecar A did not apply load balancer " + type + " for lb within 30 s");
	}

	private Map<String, Long> responsesPerEndpoint() {
		Map<String, Long> responses = new LinkedHashMap<>();
		Http.json("http://127.0.0.1:19100/actuator/mesh")
			.path("policies").path("lb").path("loadBalancer").path("endpoints")
			.properties()
			.forEach((entry) -> responses.put(entry.getKey(), entry.getValue().path("responses").asLong()));
		return responses;
	}

	private String awaitServedOtherThan(String previous) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			String version = Http.json("http://127.0.0.1:19888/mesh/v1/services/prop").path("policyVersion").asString(null);
			if (version != null && !version.equals(previous)) {
				return version;
			}
			Http.pause(Duration.ofMillis(20));
		}
		throw new IllegalStateException("The control plane did not serve a new version of prop within 30 s");
	}

	private static String pct(List<LoadGenerator.Result> runs, double percentile) {
		List<Double> values = new ArrayList<>();
		for (LoadGenerator.Result result : runs) {
			values.add((double) ((percentile >= 100) ? result.latency().getMaxValue()
					: result.latency().getValueAtPercentile(percentile)));
		}
		return Stats.format(values, "", 0);
	}

	private static double median(List<LoadGenerator.Result> runs, double percentile) {
		List<Double> values = new ArrayList<>();
		for (LoadGenerator.Result result : runs) {
			values.add((double) result.latency().getValueAtPercentile(percentile));
		}
		return Stats.median(values);
	}

	private static String ratio(double a, double b) {
		return (b <= 0) ? "n/a" : Stats.number(a / b, 2) + "×";
	}

	/** How long and how often things are measured. */
	static final class Settings {

		boolean smoke;

		int runs = 3;

		Duration duration = Duration.ofSeconds(20);

		Duration warmup = Duration.ofSeconds(5);

		Duration jitWarmup = Duration.ofSeconds(60);

		/** After the JIT warm-up: each JVM proxy at each of S1's rates, twice, this long, over new connections. */
		Duration rateWarmup = Duration.ofSeconds(5);

		List<Integer> rates = List.of(200, 1000, 2000);

		/** S1: how often the sidecars' metrics are scraped while it measures; null for never. */
		Duration scrapeInterval;

		int connections = 16;

		int openConnections = 1000;

		int startupRuns = 5;

		/** S5: another prepared checkout whose sidecar is started interleaved with this one's, or null. */
		Path baseline;

		List<Integer> watchers = List.of(100, 1000);

		int propagationChanges = 5;

		int propagationWarmupChanges = 10;

		int balancingRate = 200;

		/** S9: services with policies in the large mesh, and how many of them the sidecar follows. */
		int scaleServices = 10_000;

		int scaleFollowed = 1_000;

		/** S9: both sidecars' heap, enough for the followed services' routes. */
		String scaleSidecarHeap = "512m";

		/** S10: whether tracing at the default sampling probability (0.1) is measured too. */
		boolean observabilityDefaultSampling = true;

		/** S10: the open-loop rate of its latency runs. */
		int observabilityRate = 1000;

		static Settings smoke() {
			Settings settings = new Settings();
			settings.smoke = true;
			settings.runs = 1;
			settings.duration = Duration.ofSeconds(3);
			settings.warmup = Duration.ofSeconds(1);
			settings.jitWarmup = Duration.ofSeconds(3);
			settings.rateWarmup = Duration.ofSeconds(1);
			settings.rates = List.of(200);
			// so that the scraper runs in CI too
			settings.scrapeInterval = Duration.ofMillis(500);
			settings.openConnections = 100;
			settings.startupRuns = 1;
			settings.watchers = List.of(20);
			settings.propagationChanges = 1;
			settings.propagationWarmupChanges = 1;
			settings.scaleServices = 50;
			settings.scaleFollowed = 20;
			settings.observabilityDefaultSampling = false;
			settings.observabilityRate = 200;
			return settings;
		}

	}

}
