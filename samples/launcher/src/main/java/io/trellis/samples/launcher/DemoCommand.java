package io.trellis.samples.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import io.trellis.core.launch.SidecarLaunch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./mesh demo}: the sample mesh on this machine. Starts the control plane, every
 * sample service with its own sidecar (separate JVMs on loopback) and steady traffic; prints
 * where to look; stops everything it started on Ctrl-C. With {@code --zipkin} it also runs a
 * Zipkin server and has every app and sidecar trace every request into it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
		description = "Runs the sample mesh locally: control plane, sample services, their sidecars and traffic.")
public class DemoCommand implements Callable<Integer> {

	/**
	 * JVM options of the demo's applications and control plane: small and quick to start, so
	 * eleven JVMs are comfortable on two cores. Sidecars are launched as everywhere else, by
	 * {@link SidecarLaunch}, with the sidecar's own options and class archive.
	 */
	static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
			"-Xms16m", "-Xmx96m", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=160m",
			"-XX:MaxDirectMemorySize=64m");

	/**
	 * JVM options of the demo's Zipkin server (in-memory storage): a heap that holds the
	 * {@link #ZIPKIN_MAX_SPANS} most recent spans with room to spare.
	 */
	static final List<String> ZIPKIN_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
			"-Xms32m", "-Xmx160m", "-XX:MaxDirectMemorySize=64m");

	/** How many spans the demo's Zipkin keeps in memory; it drops the oldest traces beyond. */
	static final int ZIPKIN_MAX_SPANS = 50_000;

	private static final String VERSION = "0.1.0-SNAPSHOT";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

	@Option(names = "--rate", defaultValue = "5", description = "Requests per second sent to the front end (default ${DEFAULT-VALUE}; 0 for none).")
	double rate;

	@Option(names = "--duration", description = "Stop by itself after this long, e.g. 60s or 5m (default: run until Ctrl-C).")
	String duration;

	@Option(names = "--port-offset", defaultValue = "0", description = "Added to every port, to run beside something that uses the defaults.")
	int portOffset;

	@Option(names = "--policy", description = "Policy directory (default: samples/policy).")
	Path policy;

	@Option(names = "--home", description = "Trellis checkout (default: the mesh.home system property, else the current directory).")
	Path home;

	@Option(names = "--zipkin", description = "Also run a Zipkin server on 127.0.0.1:9411 (plus the port offset) and trace every request of every app and sidecar into it.")
	boolean zipkin;

	@Option(names = "--zipkin-jar", description = "The Zipkin server's executable jar (default: the mesh.zipkin.jar system property, which ./mesh sets).")
	Path zipkinJar;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

	@Override
	public Integer call() throws Exception {
		long started = System.nanoTime();
		Path home = resolveHome();
		Path policyDir = (this.policy != null) ? this.policy.toAbsolutePath().normalize()
				: home.resolve("samples/policy");
		Topology topology = Topology.sample(this.portOffset);
		Path sidecarJar = home.resolve("mesh-gateway/target/mesh-gateway-" + VERSION + "-exec.jar");
		Path controlPlaneJar = home.resolve("mesh-config-server/target/mesh-config-server-" + VERSION + "-exec.jar");
		Path zipkinJar = this.zipkin ? resolveZipkinJar() : null;
		List<Path> missing = new ArrayList<>();
		List<Path> needed = jars(home, topology, sidecarJar, controlPlaneJar);
		if (this.zipkin && zipkinJar == null) {
			System.err.println("No Zipkin server jar given: run ./mesh demo --zipkin (it fetches io.zipkin:zipkin-server, "
					+ "classifier exec) or pass --zipkin-jar.");
			return 2;
		}
		if (zipkinJar != null) {
			needed.add(zipkinJar);
		}
		for (Path jar : needed) {
			if (!Files.isRegularFile(jar)) {
				missing.add(jar);
			}
		}
		if (!missing.isEmpty()) {
			System.err.println("Not built yet: " + missing + "\nRun ./mesh demo (it builds what it needs) or ./mvnw package.");
			return 2;
		}
		if (!Files.isDirectory(policyDir)) {
			System.err.println("Policy directory " + policyDir + " does not exist.");
			return 2;
		}
		List<Integer> busy = busyPorts(topology.ports(this.zipkin));
		if (!busy.isEmpty()) {
			System.err.println("Ports in use: " + busy + ". Stop what listens there, or run with --port-offset 100.");
			return 2;
		}
		Path work = home.resolve(".demo");
		Supervisor supervisor = new Supervisor(work.resolve("logs"));
		Traffic traffic = new Traffic(URI.create("http://127.0.0.1:" + topology.instances().get(0).appPort() + "/api/home"));
		CountDownLatch stop = new CountDownLatch(1);
		Thread shutdown = new Thread(() -> {
			stop.countDown();
			traffic.close();
			int stopped = supervisor.stopAll(20);
			System.out.println();
			System.out.println("Stopped " + stopped + " processes.");
		}, "demo-shutdown");
		Runtime.getRuntime().addShutdownHook(shutdown);

		System.out.println("Starting the Trellis sample mesh (control plane, " + topology.instances().size()
				+ " service instances, " + topology.instances().size() + " sidecars" + (this.zipkin ? ", Zipkin" : "")
				+ "); logs in " + work.resolve("logs"));
		String controlPlane = "http://127.0.0.1:" + topology.controlPlanePort();
		String zipkinUrl = "http://127.0.0.1:" + topology.zipkinPort();
		if (zipkinJar != null) {
			// Started first and awaited after the control plane: the two start side by side.
			supervisor.start("zipkin", java(ZIPKIN_JVM_OPTIONS, zipkinJar, zipkinArgs(topology.zipkinPort())));
		}
		supervisor.start("control-plane", java(JVM_OPTIONS, controlPlaneJar, List.of("--server.port=" + topology.controlPlanePort(),
				"--spring.cloud.config.server.native.search-locations=file:" + policyDir + "/")));
		if (!await("control plane", Duration.ofMinutes(3), supervisor, () -> ok(controlPlane + "/actuator/health"))) {
			return 1;
		}
		if (zipkinJar != null
				&& !await("Zipkin", Duration.ofMinutes(3), supervisor, () -> ok(zipkinUrl + "/health"))) {
			return 1;
		}
		String spans = zipkinUrl + "/api/v2/spans";
		for (Topology.Instance instance : topology.instances()) {
			List<String> sidecar = new ArrayList<>(SidecarLaunch.command(home, javaExecutable(), sidecarJar, List.of()));
			sidecar.addAll(List.of(
					"--mesh.proxy.service=" + instance.service(), "--mesh.proxy.labels.version=" + instance.version(),
					"--mesh.proxy.app.port=" + instance.appPort(),
					"--mesh.proxy.outbound.port=" + instance.outboundPort(),
					"--mesh.proxy.inbound.port=" + instance.inboundPort(),
					"--mesh.proxy.admin.port=" + instance.adminPort(), "--mesh.proxy.control-plane.uri=" + controlPlane,
					"--mesh.proxy.state-file=" + work.resolve("state/" + instance.name() + ".json")));
			if (this.zipkin) {
				sidecar.addAll(List.of("--mesh.proxy.tracing.zipkin-endpoint=" + spans,
						"--mesh.proxy.tracing.sampling-probability=1.0"));
			}
			supervisor.start("sidecar-" + instance.name(), sidecar);
			List<String> appArgs = new ArrayList<>(List.of("--server.port=" + instance.appPort(),
					"--mesh.sidecar.outbound-port=" + instance.outboundPort(),
					"--mesh.sidecar.admin-port=" + instance.adminPort()));
			if (this.zipkin) {
				appArgs.addAll(List.of("--management.tracing.export.zipkin.endpoint=" + spans,
						"--management.tracing.sampling.probability=1.0"));
			}
			if (instance.service().equals("orders")) {
				appArgs.add("--orders.version=" + instance.version());
			}
			supervisor.start(instance.name(), java(JVM_OPTIONS, appJar(home, instance), appArgs));
		}
		String frontend = "http://127.0.0.1:" + topology.instances().get(0).appPort();
		boolean up = await("every instance registered", Duration.ofMinutes(5), supervisor,
				() -> registered(controlPlane) >= topology.instances().size())
				&& await("the front end answering through the mesh", Duration.ofMinutes(2), supervisor,
						() -> ok(frontend + "/api/home"));
		if (!up) {
			return 1;
		}
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		printBanner(topology, controlPlane, frontend, this.zipkin ? zipkinUrl : null, policyDir, work, supervisor,
				took);
		if (this.rate > 0) {
			traffic.start(this.rate);
		}
		Duration limit = (this.duration != null) ? parse(this.duration) : null;
		long deadline = (limit != null) ? System.nanoTime() + limit.toNanos() : Long.MAX_VALUE;
		while (!stop.await(5, TimeUnit.SECONDS)) {
			String line = "[" + LocalTime.now().format(CLOCK) + "] " + ((this.rate > 0) ? traffic.report() : "")
					+ " | orders policy " + policyVersion(controlPlane, "orders");
			System.out.println(line);
			for (Supervisor.Managed managed : supervisor.processes()) {
				if (!managed.process().isAlive()) {
					System.out.println("  ! " + managed.name() + " exited (" + managed.process().exitValue() + "); see "
							+ managed.log());
				}
			}
			if (System.nanoTime() > deadline) {
				System.out.println("Ran for " + this.duration + "; stopping.");
				break;
			}
		}
		return 0;
	}

	private void printBanner(Topology topology, String controlPlane, String frontend, String zipkinUrl, Path policyDir,
			Path work, Supervisor supervisor, Duration took) {
		System.out.println();
		System.out.printf("Trellis demo is up in %.1f s.%n%n", took.toMillis() / 1000.0);
		System.out.println("  shop (frontend)       " + frontend + "/");
		System.out.println("                        curl " + frontend + "/api/home");
		System.out.println("                        curl -H 'x-canary: true' " + frontend + "/api/home   (always orders v2)");
		System.out.println("  dashboard             " + controlPlane + "/dashboard");
		System.out.println("  control plane status  " + controlPlane + "/mesh/v1/status");
		System.out.println("  policy versions       " + controlPlane + "/mesh/v1/policy");
		System.out.println("  registry              " + controlPlane + "/mesh/v1/registry");
		System.out.println("  sidecar admin         (actuator: /actuator/mesh, /actuator/health, /actuator/prometheus;");
		System.out.println("                        live requests: curl -N '<admin>/tap?destination=orders')");
		for (Topology.Instance instance : topology.instances()) {
			long rss = supervisor.processes()
				.stream()
				.filter((m) -> m.name().equals("sidecar-" + instance.name()))
				.mapToLong(Supervisor.Managed::rssMiB)
				.findFirst()
				.orElse(-1);
			System.out.printf("    %-18s http://127.0.0.1:%d/actuator/mesh   (sidecar RSS %s)%n", instance.name(),
					instance.adminPort(), (rss >= 0) ? rss + " MiB" : "n/a");
		}
		if (zipkinUrl != null) {
			System.out.println("  traces (Zipkin)       " + zipkinUrl + "/zipkin/");
			System.out.println("                        every request of every app and sidecar; e.g. serviceName=frontend,");
			System.out.println("                        or " + zipkinUrl + "/api/v2/traces?serviceName=orders-sidecar");
		}
		System.out.println("  policy                " + policyDir);
		System.out.println("                        edit orders.yml (the weights) and watch the split below follow");
		System.out.println("  logs                  " + work.resolve("logs"));
		System.out.println();
		System.out.println("Press Ctrl-C to stop everything.");
	}

	private boolean await(String what, Duration timeout, Supervisor supervisor, BooleanSupplier condition)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (condition.getAsBoolean()) {
				return true;
			}
			for (Supervisor.Managed managed : supervisor.processes()) {
				if (!managed.process().isAlive()) {
					System.err.println(managed.name() + " exited while waiting for " + what + ". Its log ends:\n"
							+ managed.tail(30));
					return false;
				}
			}
			Thread.sleep(250);
		}
		System.err.println("Timed out after " + timeout.toSeconds() + " s waiting for " + what + "; logs in "
				+ supervisor.processes().get(0).log().getParent());
		return false;
	}

	private boolean ok(String url) {
		try {
			return this.http
				.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
						HttpResponse.BodyHandlers.discarding())
				.statusCode() == 200;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private int registered(String controlPlane) {
		JsonNode registry = json(controlPlane + "/mesh/v1/registry");
		int count = 0;
		if (registry != null) {
			for (JsonNode service : registry) {
				count += service.path("endpoints").size();
			}
		}
		return count;
	}

	private String policyVersion(String controlPlane, String service) {
		JsonNode policies = json(controlPlane + "/mesh/v1/policy");
		if (policies != null) {
			for (JsonNode status : policies.path("services")) {
				if (service.equals(status.path("service").asString())) {
					return status.path("version").asString() + (status.path("valid").asBoolean() ? ""
							: " (latest edit REJECTED: " + status.path("errors").path(0).toString() + ")");
				}
			}
		}
		return "?";
	}

	private JsonNode json(String url) {
		try {
			HttpResponse<String> response = this.http.send(
					HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
					HttpResponse.BodyHandlers.ofString());
			return (response.statusCode() == 200) ? JSON.readTree(response.body()) : null;
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	private Path resolveHome() {
		if (this.home != null) {
			return this.home.toAbsolutePath().normalize();
		}
		String property = System.getProperty("mesh.home");
		return Path.of((property != null) ? property : ".").toAbsolutePath().normalize();
	}

	private Path resolveZipkinJar() {
		if (this.zipkinJar != null) {
			return this.zipkinJar.toAbsolutePath().normalize();
		}
		String property = System.getProperty("mesh.zipkin.jar");
		return (property != null && !property.isBlank()) ? Path.of(property).toAbsolutePath().normalize() : null;
	}

	/**
	 * The Zipkin server's arguments: its one HTTP port (API, UI and span collection) on
	 * loopback, in-memory storage bounded to {@link #ZIPKIN_MAX_SPANS}, no tracing of itself.
	 */
	static List<String> zipkinArgs(int port) {
		return List.of("--armeria.ports[0].port=" + port, "--armeria.ports[0].ip=127.0.0.1",
				"--armeria.ports[0].protocols[0]=http", "--zipkin.storage.type=mem",
				"--zipkin.storage.mem.max-spans=" + ZIPKIN_MAX_SPANS, "--zipkin.self-tracing.enabled=false");
	}

	private static List<Path> jars(Path home, Topology topology, Path sidecarJar, Path controlPlaneJar) {
		List<Path> jars = new ArrayList<>(List.of(sidecarJar, controlPlaneJar));
		for (Topology.Instance instance : topology.instances()) {
			jars.add(appJar(home, instance));
		}
		return jars;
	}

	private static Path appJar(Path home, Topology.Instance instance) {
		String module = instance.artifact().substring("sample-".length());
		return home.resolve("samples/" + module + "/target/" + instance.artifact() + "-" + VERSION + "-exec.jar");
	}

	private static Path javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java");
	}

	private static List<String> java(List<String> options, Path jar, List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(javaExecutable().toString());
		command.addAll(options);
		command.add("-jar");
		command.add(jar.toString());
		command.addAll(args);
		return command;
	}

	private static List<Integer> busyPorts(List<Integer> ports) {
		List<Integer> busy = new ArrayList<>();
		for (int port : ports) {
			try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
				socket.setReuseAddress(true);
			}
			catch (IOException ex) {
				busy.add(port);
			}
		}
		return busy;
	}

	static Duration parse(String text) {
		String value = text.trim().toLowerCase();
		if (value.endsWith("ms")) {
			return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
		}
		long amount = Long.parseLong(value.substring(0, value.length() - 1));
		return switch (value.charAt(value.length() - 1)) {
			case 's' -> Duration.ofSeconds(amount);
			case 'm' -> Duration.ofMinutes(amount);
			case 'h' -> Duration.ofHours(amount);
			default -> throw new IllegalArgumentException("Not a duration: '" + text + "' (use e.g. 90s, 5m)");
		};
	}

}
