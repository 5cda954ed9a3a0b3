package io.trellis.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.trellis.core.launch.SidecarLaunch;

/**
 * Everything the benchmarks run against, on loopback: an nginx upstream answering 200 with a
 * 1 KiB body; HAProxy and nginx as one and two proxy hops; the Trellis control plane and
 * sidecars as one and two hops; a stock Spring Cloud Gateway. Proxies are pinned to one CPU
 * and the load (generator, upstream, control plane) to the other, so proxies compete only
 * with each other's idle selves.
 */
final class Lab implements AutoCloseable {

	static final int PROXY_CPU = 0;

	static final int LOAD_CPU = 1;

	static final int UPSTREAM = 19080;

	/** The admin ports of sidecar A (the client's) and sidecar B (the upstream's). */
	static final int SIDECAR_A_ADMIN = 19100;

	static final int SIDECAR_B_ADMIN = 19200;

	/** The admin port of the --baseline checkout's sidecar. */
	static final int BASELINE_ADMIN = 19500;

	static final String BODY = "x".repeat(1024);

	/**
	 * The control plane's JVM options: its own, not the sidecar's. Answering 1000 sidecars
	 * that fetch a new policy at once needs more than the sidecar's 96 MiB of heap (measured:
	 * it ran out of memory with them).
	 */
	static final List<String> CONTROL_PLANE_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms512m", "-Xmx512m",
			"-XX:+ExitOnOutOfMemoryError");

	final Path home;

	final Path work;

	final Path logs;

	/** JVM options of the control plane and the stock gateway: the sidecar's, plus --jvm-option. */
	final List<String> jvmOptions;

	/** Options given with --jvm-option, added to every JVM's. */
	final List<String> extraOptions;

	private final List<Proc> processes = new ArrayList<>();

	private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "bench-heartbeat");
		thread.setDaemon(true);
		return thread;
	});

	Proc upstream;

	Proc haproxyA;

	Proc haproxyB;

	Proc nginxA;

	Proc nginxB;

	Proc controlPlane;

	Proc sidecarA;

	Proc sidecarB;

	Proc stock;

	/** The sidecar of another checkout (--baseline), beside sidecar A, or null. */
	Proc sidecarBaseline;

	Lab(Path home, Path work, List<String> extraOptions) {
		this.home = home;
		this.work = work;
		this.logs = work.resolve("logs");
		this.extraOptions = List.copyOf(extraOptions);
		List<String> options = new ArrayList<>(SidecarLaunch.jvmOptions(home));
		options.addAll(extraOptions);
		this.jvmOptions = List.copyOf(options);
	}

	/** The commit a checkout is at, as {@code git describe} names it ("-dirty" with uncommitted changes). */
	static String describe(Path home) {
		try {
			Process git = new ProcessBuilder("git", "-C", home.toString(), "describe", "--always", "--dirty")
				.redirectErrorStream(true)
				.start();
			String out = new String(git.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
			return (git.waitFor() == 0) ? out : "not a git checkout";
		}
		catch (IOException ex) {
			return "git not found";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "unknown";
		}
	}

	Path sidecarJar() {
		return this.home.resolve("mesh-gateway/target/mesh-gateway-" + Bench.VERSION + "-exec.jar");
	}

	Path controlPlaneJar() {
		return this.home.resolve("mesh-config-server/target/mesh-config-server-" + Bench.VERSION + "-exec.jar");
	}

	Path stockJar() {
		return this.home.resolve("bench/stock-gateway/target/bench-stock-gateway-" + Bench.VERSION + "-exec.jar");
	}

	/** The upstream, HAProxy and nginx. */
	void startBaselines() {
		this.upstream = nginx("upstream", LOAD_CPU, """
				server {
				  listen 127.0.0.1:%d;
				  location / { return 200 '%s'; }
				}
				""".formatted(UPSTREAM, BODY));
		this.nginxA = nginx("nginx-a", PROXY_CPU, """
				upstream origin { server 127.0.0.1:%d; keepalive 64; }
				upstream next { server 127.0.0.1:19086; keepalive 64; }
				server {
				  listen 127.0.0.1:19084;
				  location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
				}
				server {
				  listen 127.0.0.1:19085;
				  location / { proxy_pass http://next; proxy_http_version 1.1; proxy_set_header Connection ""; }
				}
				""".formatted(UPSTREAM));
		this.nginxB = nginx("nginx-b", PROXY_CPU, """
				upstream origin { server 127.0.0.1:%d; keepalive 64; }
				server {
				  listen 127.0.0.1:19086;
				  location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
				}
				""".formatted(UPSTREAM));
		this.haproxyA = haproxy("haproxy-a", """
				frontend one
				  bind 127.0.0.1:19081
				  default_backend origin
				frontend two
				  bind 127.0.0.1:19082
				  default_backend next
				backend origin
				  http-reuse always
				  server s1 127.0.0.1:%d
				backend next
				  http-reuse always
				  server s1 127.0.0.1:19083
				""".formatted(UPSTREAM));
		this.haproxyB = haproxy("haproxy-b", """
				frontend one
				  bind 127.0.0.1:19083
				  default_backend origin
				backend origin
				  http-reuse always
				  server s1 127.0.0.1:%d
				""".formatted(UPSTREAM));
		Http.awaitOk("upstream nginx", "http://127.0.0.1:" + UPSTREAM + "/", null, Duration.ofSeconds(20), this.upstream);
		Http.awaitOk("HAProxy B (port 19083)", "http://127.0.0.1:19083/", null, Duration.ofSeconds(20), this.haproxyB);
		Http.awaitOk("HAProxy A (port 19081)", "http://127.0.0.1:19081/", null, Duration.ofSeconds(20), this.haproxyA);
		Http.awaitOk("HAProxy A (port 19082)", "http://127.0.0.1:19082/", null, Duration.ofSeconds(20), this.haproxyA);
		Http.awaitOk("nginx B (port 19086)", "http://127.0.0.1:19086/", null, Duration.ofSeconds(20), this.nginxB);
		Http.awaitOk("nginx A (port 19084)", "http://127.0.0.1:19084/", null, Duration.ofSeconds(20), this.nginxA);
		Http.awaitOk("nginx A (port 19085)", "http://127.0.0.1:19085/", null, Duration.ofSeconds(20), this.nginxA);
	}

	/**
	 * The control plane and two sidecars: A (no app of its own, the client's sidecar) and B
	 * (in front of the upstream, registered as service "up"). "direct-up" is the upstream
	 * registered as it is, so that A alone can be measured as one hop.
	 */
	void startTrellis() {
		Path policy = this.work.resolve("policy");
		write(policy.resolve("application.yml"), "mesh.policy.timeout: 10s\n");
		// On the load's core, not the proxies': its JIT and its answers to the sidecars' watches and
		// heartbeats ran in the sidecars' way on a shared core, where a production control plane
		// never runs (bench/RESULTS.md, "The JIT's warm-up").
		this.controlPlane = java("control-plane", LOAD_CPU, this.controlPlaneJar(), CONTROL_PLANE_OPTIONS, List.of("--server.port=19888",
				"--spring.cloud.config.server.native.search-locations=file:" + policy.toAbsolutePath() + "/",
				"--mesh.control-plane.registry.warmup=0s"));
		Http.awaitOk("control plane", "http://127.0.0.1:19888/actuator/health", null, Duration.ofMinutes(2),
				this.controlPlane);
		registerDirectUpstream();
		this.heartbeats.scheduleWithFixedDelay(this::registerDirectUpstream, 5, 5, TimeUnit.SECONDS);
		this.sidecarA = sidecar("sidecar-a", "bench-client", 19999, SIDECAR_A_ADMIN, "/actuator/health/readiness");
		this.sidecarB = sidecar("sidecar-b", "up", UPSTREAM, SIDECAR_B_ADMIN, "/");
		Http.awaitOk("sidecar A to the upstream", "http://127.0.0.1:19101/", "direct-up", Duration.ofMinutes(2),
				this.sidecarA);
		Http.awaitOk("sidecar A to sidecar B", "http://127.0.0.1:19101/", "up", Duration.ofMinutes(2), this.sidecarB);
	}

	/**
	 * A sidecar from another prepared checkout, set up as sidecar A is (the client's sidecar,
	 * admin port 19500, outbound 19501), so that S2 and S3 measure two versions in one run.
	 */
	void startBaselineSidecar(Path baseline) {
		this.sidecarBaseline = sidecar("sidecar-baseline", PROXY_CPU, baseline, "bench-client-baseline", 19999, BASELINE_ADMIN,
				"/actuator/health/readiness", 19888, List.of(), List.of());
		Http.awaitOk("baseline sidecar to the upstream", "http://127.0.0.1:19501/", "direct-up", Duration.ofMinutes(2),
				this.sidecarBaseline);
	}

	/** A sidecar whose admin port is {@code base}, outbound base+1 and inbound base+6. */
	Proc sidecar(String name, String service, int appPort, int base, String readinessPath) {
		return sidecar(name, service, appPort, base, readinessPath, true);
	}

	/**
	 * A sidecar launched as {@code ./mesh sidecar} does ({@link SidecarLaunch}), or, when
	 * {@code prepared} is false, from its executable jar without a class archive.
	 */
	Proc sidecar(String name, String service, int appPort, int base, String readinessPath, boolean prepared) {
		return sidecar(name, service, appPort, base, readinessPath, prepared, 19888, List.of());
	}

	/**
	 * A sidecar following the control plane on {@code controlPlanePort}, with {@code options}
	 * added after its own JVM options and --jvm-option's.
	 */
	Proc sidecar(String name, String service, int appPort, int base, String readinessPath, boolean prepared,
			int controlPlanePort, List<String> options) {
		return sidecar(name, service, appPort, base, readinessPath, prepared, controlPlanePort, options, List.of());
	}

	/**
	 * A sidecar as above, with {@code arguments} ({@code --mesh.proxy.*=...}) added after the
	 * ones every sidecar of the lab gets.
	 */
	Proc sidecar(String name, String service, int appPort, int base, String readinessPath, boolean prepared,
			int controlPlanePort, List<String> options, List<String> arguments) {
		return sidecar(name, PROXY_CPU, service, appPort, base, readinessPath, prepared, controlPlanePort, options,
				arguments);
	}

	/** A sidecar as above, pinned to {@code cpu}, or free to use every CPU when it is negative. */
	Proc sidecar(String name, int cpu, String service, int appPort, int base, String readinessPath, boolean prepared,
			int controlPlanePort, List<String> options, List<String> arguments) {
		return sidecar(name, cpu, prepared ? this.home : null, service, appPort, base, readinessPath,
				controlPlanePort, options, arguments);
	}

	/**
	 * A sidecar as above, prepared, from the checkout {@code home} (another one than this lab's
	 * to compare two versions), or from this lab's executable jar without a class archive when
	 * {@code home} is null.
	 */
	Proc sidecar(String name, int cpu, Path home, String service, int appPort, int base, String readinessPath,
			int controlPlanePort, List<String> options, List<String> arguments) {
		boolean prepared = home != null;
		if (!Files.isRegularFile(sidecarJar())) {
			throw new IllegalStateException(sidecarJar() + " is missing: run ./mesh bench, which builds it");
		}
		List<String> extra = new ArrayList<>(this.extraOptions);
		extra.addAll(options);
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		List<String> command = new ArrayList<>(prepared ? SidecarLaunch.command(home, java, sidecarJar(), extra)
				: List.of(java.toString()));
		if (!prepared) {
			command.addAll(this.jvmOptions);
			command.addAll(options);
			command.addAll(List.of("-jar", sidecarJar().toString()));
		}
		command.addAll(List.of("--mesh.proxy.service=" + service,
				"--mesh.proxy.app.port=" + appPort, "--mesh.proxy.app.readiness-path=" + readinessPath,
				"--mesh.proxy.admin.port=" + base, "--mesh.proxy.outbound.port=" + (base + 1),
				"--mesh.proxy.inbound.port=" + (base + 6),
				"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + controlPlanePort,
				"--mesh.proxy.state-file=" + this.work.resolve("state/" + name + ".json").toAbsolutePath()));
		command.addAll(arguments);
		return keep(Proc.start(name, cpu, command, this.logs, prepared ? home : null));
	}

	/**
	 * Another control plane, serving {@code policy} on {@code port}, not pinned (it reads and
	 * validates its files while the benchmark waits). It checks its directory every
	 * {@value #SCALE_POLL_INTERVAL} rather than every 500 ms: with 10,000 files each check costs
	 * it about a tenth of a core (measured), which would otherwise run beside the measurements.
	 * File system events still bring edits at once.
	 */
	Proc controlPlane(String name, int port, Path policy) {
		return java(name, -1, this.controlPlaneJar(), CONTROL_PLANE_OPTIONS, List.of("--server.port=" + port,
				"--spring.cloud.config.server.native.search-locations=file:" + policy.toAbsolutePath() + "/",
				"--mesh.control-plane.registry.warmup=0s", "--mesh.control-plane.policy.poll-interval=" + SCALE_POLL_INTERVAL));
	}

	static final String SCALE_POLL_INTERVAL = "30s";

	/** Registers {@code service} at the control plane on {@code port} as the nginx upstream, kept alive until the lab closes. */
	void registerUpstream(int port, String service) {
		Runnable register = () -> Http.put("http://127.0.0.1:" + port + "/mesh/v1/registry/" + service + "/nginx",
				"{\"host\":\"127.0.0.1\",\"port\":" + UPSTREAM + ",\"labels\":{}}");
		register.run();
		this.heartbeats.scheduleWithFixedDelay(register, 5, 5, TimeUnit.SECONDS);
	}

	/** The live objects of a JVM's heap after a full collection, in MiB (from {@code jcmd GC.class_histogram}). */
	static double liveHeapMiB(Proc proc) {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		try {
			Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(proc.pid()), "GC.class_histogram")
				.redirectErrorStream(true)
				.start();
			String out = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(2, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException("jcmd did not answer within 2 minutes");
			}
			for (String line : out.split("\n")) {
				if (line.startsWith("Total")) {
					String[] fields = line.trim().split("\\s+");
					return Long.parseLong(fields[2]) / (1024.0 * 1024.0);
				}
			}
			throw new IllegalStateException("No total in jcmd's histogram of process " + proc.pid() + ": " + out);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	void startStock() {
		this.stock = java("stock-gateway", PROXY_CPU, stockJar(),
				List.of("--bench.port=19090", "--bench.upstream=http://127.0.0.1:" + UPSTREAM));
		Http.awaitOk("stock Spring Cloud Gateway", "http://127.0.0.1:19090/", null, Duration.ofMinutes(2), this.stock);
	}

	/** The target of the --baseline checkout's sidecar. */
	static final String BASELINE_TARGET = "1 sidecar (baseline)";

	/** The ways to reach the upstream that the scenarios compare. */
	List<Target> targets() {
		List<Target> targets = new ArrayList<>();
		targets.add(new Target("direct", "http://127.0.0.1:" + UPSTREAM + "/", "up", List.of()));
		if (this.sidecarA != null) {
			targets.add(new Target("1 sidecar", "http://127.0.0.1:19101/", "direct-up", List.of(this.sidecarA)));
			targets.add(new Target("2 sidecars", "http://127.0.0.1:19101/", "up", List.of(this.sidecarA, this.sidecarB)));
		}
		if (this.sidecarBaseline != null) {
			targets.add(new Target(BASELINE_TARGET, "http://127.0.0.1:19501/", "direct-up", List.of(this.sidecarBaseline)));
		}
		targets.add(new Target("1 HAProxy", "http://127.0.0.1:19081/", "up", List.of(this.haproxyA)));
		targets.add(new Target("2 HAProxy", "http://127.0.0.1:19082/", "up", List.of(this.haproxyA, this.haproxyB)));
		targets.add(new Target("1 nginx", "http://127.0.0.1:19084/", "up", List.of(this.nginxA)));
		targets.add(new Target("2 nginx", "http://127.0.0.1:19085/", "up", List.of(this.nginxA, this.nginxB)));
		if (this.stock != null) {
			targets.add(new Target("stock SCG", "http://127.0.0.1:19090/", "up", List.of(this.stock)));
		}
		return targets;
	}

	Target target(String name) {
		return targets().stream()
			.filter((target) -> target.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("No target " + name));
	}

	/** Registers {@code instances} (id to port on loopback) as service {@code service}, kept alive until the lab closes. */
	void registerService(String service, Map<String, Integer> instances) {
		Runnable register = () -> instances.forEach((id, port) -> Http.put(
				"http://127.0.0.1:19888/mesh/v1/registry/" + service + "/" + id,
				"{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"labels\":{}}"));
		register.run();
		this.heartbeats.scheduleWithFixedDelay(register, 5, 5, TimeUnit.SECONDS);
	}

	private void registerDirectUpstream() {
		Http.put("http://127.0.0.1:19888/mesh/v1/registry/direct-up/nginx",
				"{\"host\":\"127.0.0.1\",\"port\":" + UPSTREAM + ",\"labels\":{}}");
	}

	/** A JVM with the sidecar's options (the stock gateway). */
	Proc java(String name, int cpu, Path jar, List<String> args) {
		return java(name, cpu, jar, this.jvmOptions, args);
	}

	Proc java(String name, int cpu, Path jar, List<String> options, List<String> args) {
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(jar + " is missing: run ./mesh bench, which builds it");
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(options);
		command.add("-jar");
		command.add(jar.toString());
		command.addAll(args);
		return keep(Proc.start(name, cpu, command, this.logs));
	}

	private Proc nginx(String name, int cpu, String servers) {
		Path dir = this.work.resolve(name);
		Path config = dir.resolve("nginx.conf");
		write(config, """
				worker_processes 1;
				daemon off;
				pid %s/nginx.pid;
				error_log %s/error.log warn;
				events { worker_connections 4096; }
				http {
				  access_log off;
				  keepalive_requests 1000000;
				  keepalive_timeout 300s;
				  client_body_temp_path %s/tmp;
				  proxy_temp_path %s/tmp;
				  %s
				}
				""".formatted(dir, dir, dir, dir, servers));
		return keep(Proc.start(name, cpu, List.of("nginx", "-c", config.toAbsolutePath().toString(), "-p",
				dir.toAbsolutePath().toString()), this.logs));
	}

	private Proc haproxy(String name, String sections) {
		Path config = this.work.resolve(name).resolve("haproxy.cfg");
		write(config, """
				global
				  nbthread 1
				  maxconn %d
				defaults
				  mode http
				  timeout connect 5s
				  timeout client 300s
				  timeout server 300s
				  option http-keep-alive
				%s
				""".formatted(haproxyMaxConnections(), sections));
		return keep(Proc.start(name, PROXY_CPU, List.of("haproxy", "-f", config.toAbsolutePath().toString(), "-db"),
				this.logs));
	}

	/**
	 * HAProxy refuses to start when its maxconn needs more file descriptors (about two per
	 * connection) than the process may open, so it is sized to the limit: at most 4000, far more
	 * than the benchmarks open through it.
	 */
	static int haproxyMaxConnections() {
		long fds = Machine.openFileLimit();
		return (int) Math.max(64, Math.min(4000, (fds - 100) / 2));
	}

	private Proc keep(Proc proc) {
		this.processes.add(proc);
		return proc;
	}

	static void write(Path file, String content) {
		try {
			Files.createDirectories(file.getParent());
			Files.writeString(file, content);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		this.heartbeats.shutdownNow();
		List<Proc> all = new ArrayList<>(this.processes);
		java.util.Collections.reverse(all);
		all.forEach(Proc::close);
	}

	/**
	 * A way to reach the upstream.
	 * @param name how the report names it
	 * @param url where the client sends requests
	 * @param host the Host header the client sends
	 * @param proxies the proxy processes on the way, whose CPU and memory are measured
	 */
	record Target(String name, String url, String host, List<Proc> proxies) {
	}

}
