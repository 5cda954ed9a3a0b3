package io.trellis.gateway;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the Trellis sidecar: which app it fronts, where it listens and which control
 * plane it follows.
 *
 * @param service Name of the local app's service, a DNS label such as orders.
 * @param instanceId Id of the local instance within its service; defaults to the advertised
 * inbound address and port.
 * @param labels Labels of the local instance, such as version and zone, which
 * callers' subsets select on.
 * @param app The local application the inbound listener forwards to.
 * @param inbound The inbound listener, which other sidecars call.
 * @param outbound The outbound listener, which the local app calls.
 * @param admin The admin listener (actuator).
 * @param controlPlane The control plane to follow.
 * @param stateFile File the sidecar persists its last policy and endpoints to, and starts from
 * when the control plane is down; defaults to a file named after the service and inbound port
 * in the temporary directory.
 */
@Validated
@ConfigurationProperties(SidecarProperties.PREFIX)
public record SidecarProperties(@NotBlank @Pattern(regexp = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?",
		message = "must be a DNS label: lower-case letters, digits and '-'") String service, String instanceId,
		@DefaultValue Map<String, String> labels, @Valid @DefaultValue App app, @Valid @DefaultValue Inbound inbound,
		@Valid @DefaultValue Outbound outbound, @Valid @DefaultValue Admin admin,
		@Valid @DefaultValue ControlPlane controlPlane, Path stateFile) {

	public static final String PREFIX = "mesh.proxy";

	/**
	 * @param host Address of the local app.
	 * @param port Port of the local app.
	 * @param readinessPath Path the sidecar polls until the app answers 2xx, before it
	 * registers the instance; empty for a TCP connect check.
	 * @param readinessInterval How often readiness is checked, and the instance heartbeats.
	 */
	public record App(@DefaultValue("127.0.0.1") @NotBlank String host, @Min(1) @Max(65535) int port,
			@DefaultValue("/actuator/health/readiness") String readinessPath,
			@DefaultValue("1s") @NotNull Duration readinessInterval) {
	}

	/**
	 * @param address Address the inbound listener binds.
	 * @param port Port of the inbound listener; 0 picks a free one.
	 * @param advertisedAddress Address other sidecars reach the inbound listener on, as registered.
	 */
	public record Inbound(@DefaultValue("0.0.0.0") @NotBlank String address,
			@DefaultValue("15006") @Min(0) @Max(65535) int port,
			@DefaultValue("127.0.0.1") @NotBlank String advertisedAddress) {
	}

	/**
	 * @param address Address the outbound listener binds; keep it on loopback.
	 * @param port Port of the outbound listener; 0 picks a free one.
	 */
	public record Outbound(@DefaultValue("127.0.0.1") @NotBlank String address,
			@DefaultValue("15001") @Min(0) @Max(65535) int port) {
	}

	/**
	 * @param address Address the admin listener binds.
	 * @param port Port of the admin listener; 0 picks a free one.
	 */
	public record Admin(@DefaultValue("127.0.0.1") @NotBlank String address,
			@DefaultValue("15000") @Min(0) @Max(65535) int port) {
	}

	/**
	 * @param uri Base URI of the control plane.
	 * @param configPrefix Path prefix of the control plane's Config Server Environment API.
	 * @param watchWait How long the control plane may hold a watch request when nothing changes.
	 * @param requestTimeout Timeout of each request to the control plane other than the watch.
	 * @param heartbeatInterval How often the instance's registration is renewed.
	 * @param retryInterval The first pause after a failed control-plane call; doubled on each
	 * further failure up to maxRetryInterval.
	 * @param maxRetryInterval The longest pause between attempts to reach the control plane.
	 */
	public record ControlPlane(@DefaultValue("http://127.0.0.1:8888") @NotNull URI uri,
			@DefaultValue("/config") String configPrefix, @DefaultValue("30s") @NotNull Duration watchWait,
			@DefaultValue("5s") @NotNull Duration requestTimeout,
			@DefaultValue("5s") @NotNull Duration heartbeatInterval,
			@DefaultValue("500ms") @NotNull Duration retryInterval,
			@DefaultValue("10s") @NotNull Duration maxRetryInterval) {
	}

}
