package io.trellis.e2e.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A mesh on loopback for one test class: the control plane and sidecars as real processes
 * started from the modules' executable jars, with intervals shortened so tests run quickly.
 * Closing it stops every process it started, newest first.
 */
public final class MeshCluster implements AutoCloseable {

	private static final Path SIDECAR_JAR = Path.of(System.getProperty("trellis.sidecar.jar",
			"../mesh-gateway/target/mesh-gateway-0.1.0-SNAPSHOT-exec.jar"));

	private static final Path CONTROL_PLANE_JAR = Path.of(System.getProperty("trellis.control-plane.jar",
			"../mesh-config-server/target/mesh-config-server-0.1.0-SNAPSHOT-exec.jar"));

	private final Path logs;

	private final Path workDir;

	private final List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());

	private final int controlPlanePort = Ports.free();

	private ControlPlane controlPlane;

	/**
	 * @param name names the folder of this cluster's logs
	 * @param workDir a folder for state files
	 */
	public MeshCluster(String name, Path workDir) {
		this.logs = Path.of(System.getProperty("trellis.e2e.logs", "target/e2e-logs")).resolve(name);
		this.workDir = workDir;
	}

	public Path logs() {
		return this.logs;
	}

	/** Starts the control plane serving the policy directory, and waits until it is up. */
	public ControlPlane startControlPlane(Path policyDir, Map<String, String> properties) {
		Map<String, String> args = new LinkedHashMap<>();
		args.put("server.port", String.valueOf(this.controlPlanePort));
		args.put("spring.cloud.config.server.native.search-locations", "file:" + policyDir.toAbsolutePath() + "/");
		args.put("mesh.control-plane.registry.ttl", "3s");
		args.put("mesh.control-plane.registry.sweep-interval", "200ms");
		args.putAll(properties);
		MeshProcess process = MeshProcess.startJar("control-plane-" + System.nanoTime() % 100000, this.logs,
				CONTROL_PLANE_JAR, toArgs(args));
		this.started.add(process);
		ControlPlane controlPlane = new ControlPlane(process, this.controlPlanePort);
		awaitUp(process, controlPlane.url() + "/actuator/health");
		this.controlPlane = controlPlane;
		return controlPlane;
	}

	public ControlPlane controlPlane() {
		return this.controlPlane;
	}

	/** Starts a sidecar for {@code service} in front of an app on {@code appPort}, and waits until it is up. */
	public Sidecar startSidecar(String service, Map<String, String> labels, int appPort, Map<String, String> properties) {
		Sidecar sidecar = new Sidecar(this, service, labels, appPort, Ports.free(), Ports.free(), Ports.free(),
				this.workDir.resolve(service + "-" + labels.getOrDefault("version", "x") + "-" + Ports.free() + ".json"),
				properties);
		sidecar.start();
		return sidecar;
	}

	/** Starts an echo app that closes with the cluster. */
	public EchoApp startApp(String name) {
		EchoApp app = new EchoApp(name);
		this.started.add(app);
		return app;
	}

	MeshProcess launchSidecar(Sidecar sidecar) {
		Map<String, String> args = new LinkedHashMap<>();
		args.put("mesh.proxy.service", sidecar.service());
		sidecar.labels().forEach((key, value) -> args.put("mesh.proxy.labels." + key, value));
		args.put("mesh.proxy.app.port", String.valueOf(sidecar.appPort()));
		args.put("mesh.proxy.app.readiness-path", "/ready");
		args.put("mesh.proxy.app.readiness-interval", "300ms");
		args.put("mesh.proxy.outbound.port", String.valueOf(sidecar.outboundPort()));
		args.put("mesh.proxy.inbound.port", String.valueOf(sidecar.inboundPort()));
		args.put("mesh.proxy.admin.port", String.valueOf(sidecar.adminPort()));
		args.put("mesh.proxy.state-file", sidecar.stateFile().toString());
		args.put("mesh.proxy.control-plane.uri", "http://127.0.0.1:" + this.controlPlanePort);
		args.put("mesh.proxy.control-plane.heartbeat-interval", "1s");
		args.put("mesh.proxy.control-plane.retry-interval", "200ms");
		args.put("mesh.proxy.control-plane.max-retry-interval", "1s");
		args.put("mesh.proxy.control-plane.watch-wait", "10s");
		args.putAll(sidecar.properties());
		MeshProcess process = MeshProcess.startJar("sidecar-" + sidecar.service() + "-"
				+ sidecar.labels().getOrDefault("version", "x") + "-" + sidecar.inboundPort(), this.logs, SIDECAR_JAR,
				toArgs(args));
		this.started.add(process);
		awaitUp(process, "http://127.0.0.1:" + sidecar.adminPort() + "/actuator/health");
		return process;
	}

	/** How many instances of {@code service} the control plane's registry holds. */
	public int registered(String service) {
		return HttpCall.get(this.controlPlane.url() + "/mesh/v1/registry/" + service).json().get("endpoints").size();
	}

	/** Waits (30 s at most) until the registry holds {@code count} instances of {@code service}. */
	public void awaitRegistered(String service, int count) {
		await(count + " instances of " + service).atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> registered(service) == count);
	}

	/**
	 * Makes {@code caller} follow {@code service} (a sidecar learns of a service from its first
	 * call to it) and waits until it knows {@code count} of its instances.
	 */
	public static void awaitFollowed(Sidecar caller, String service, int count) {
		HttpCall.get(caller.outbound("/"), java.util.Map.of("Host", service));
		await(caller + " knows " + count + " instances of " + service).atMost(Duration.ofSeconds(10))
			.until(() -> caller.mesh().path("endpoints").path(service).path("instances").size() == count);
	}

	static void awaitUp(MeshProcess process, String healthUrl) {
		await(process.name() + " up").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException(process + " exited while starting:\n" + process.log());
			}
			try {
				return HttpCall.get(healthUrl).status() == 200;
			}
			catch (RuntimeException ex) {
				return false;
			}
		});
	}

	private static List<String> toArgs(Map<String, String> properties) {
		List<String> args = new ArrayList<>();
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		return args;
	}

	@Override
	public void close() {
		List<AutoCloseable> all = new ArrayList<>(this.started);
		Collections.reverse(all);
		for (AutoCloseable closeable : all) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// Keep closing the rest.
			}
		}
	}

	/** The control plane process and its port. */
	public record ControlPlane(MeshProcess process, int port) {

		public String url() {
			return "http://127.0.0.1:" + this.port;
		}

	}

}
