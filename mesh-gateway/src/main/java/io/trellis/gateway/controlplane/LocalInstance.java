package io.trellis.gateway.controlplane;

import java.util.Map;

import io.trellis.gateway.SidecarProperties;

/**
 * Who this sidecar speaks for: its service, its instance id and labels. The instance id
 * defaults to the advertised inbound address and port, known once the inbound listener has
 * bound.
 */
public class LocalInstance {

	private final SidecarProperties properties;

	private volatile int inboundPort = -1;

	/** The instance id once known (every outbound request carries it). */
	private volatile String instanceId;

	public LocalInstance(SidecarProperties properties) {
		this.properties = properties;
	}

	public String service() {
		return this.properties.service();
	}

	public Map<String, String> labels() {
		return this.properties.labels();
	}

	public String advertisedHost() {
		return this.properties.inbound().advertisedAddress();
	}

	/** The port the inbound listener bound, or -1 before it has. */
	public int inboundPort() {
		return this.inboundPort;
	}

	public void setInboundPort(int inboundPort) {
		this.inboundPort = inboundPort;
		this.instanceId = null;
	}

	/** The instance id: configured, or {@code <advertised address>:<inbound port>}. */
	public String instanceId() {
		String id = this.instanceId;
		if (id == null) {
			id = newInstanceId();
			this.instanceId = id;
		}
		return id;
	}

	private String newInstanceId() {
		String configured = this.properties.instanceId();
		if (configured != null && !configured.isBlank()) {
			return configured;
		}
		if (this.inboundPort < 0) {
			throw new IllegalStateException("The instance id is not known before the inbound listener has bound");
		}
		return advertisedHost() + ":" + this.inboundPort;
	}

	/** The sidecar's id in the control plane's sync status. */
	public String sidecarId() {
		return service() + "@" + instanceId();
	}

}
