package io.trellis.e2e.support;

import java.nio.file.Path;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/** A sidecar process and its ports; it can be restarted, stopped or killed by the test. */
public final class Sidecar {

	private final MeshCluster cluster;

	private final String service;

	private final Map<String, String> labels;

	private final int appPort;

	private final int outboundPort;

	private final int inboundPort;

	private final int adminPort;

	private final Path stateFile;

	private final Map<String, String> properties;

	private volatile MeshProcess process;

	Sidecar(MeshCluster cluster, String service, Map<String, String> labels, int appPort, int outboundPort,
			int inboundPort, int adminPort, Path stateFile, Map<String, String> properties) {
		this.cluster = cluster;
		this.service = service;
		this.labels = labels;
		this.appPort = appPort;
		this.outboundPort = outboundPort;
		this.inboundPort = inboundPort;
		this.adminPort = adminPort;
		this.stateFile = stateFile;
		this.properties = properties;
	}

	void start() {
		this.process = this.cluster.launchSidecar(this);
	}

	/** Stops the process gracefully and starts it again with the same ports and state file. */
	public void restart() {
		this.process.stop();
		start();
	}

	public MeshProcess process() {
		return this.process;
	}

	public String service() {
		return this.service;
	}

	public Map<String, String> labels() {
		return this.labels;
	}

	public int appPort() {
		return this.appPort;
	}

	public int outboundPort() {
		return this.outboundPort;
	}

	public int inboundPort() {
		return this.inboundPort;
	}

	public int adminPort() {
		return this.adminPort;
	}

	public Path stateFile() {
		return this.stateFile;
	}

	Map<String, String> properties() {
		return this.properties;
	}

	/** The instance id it registers: the advertised inbound address and port. */
	public String instanceId() {
		return "127.0.0.1:" + this.inboundPort;
	}

	/** The outbound listener's URL for a path. */
	public String outbound(String path) {
		return "http://127.0.0.1:" + this.outboundPort + path;
	}

	/** Its {@code /actuator/mesh} document. */
	public JsonNode mesh() {
		return HttpCall.get("http://127.0.0.1:" + this.adminPort + "/actuator/mesh").json();
	}

	@Override
	public String toString() {
		return "sidecar of " + this.service + " " + this.labels + " (" + this.process + ")";
	}

}
