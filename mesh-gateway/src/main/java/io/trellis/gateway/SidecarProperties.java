package io.trellis.gateway;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

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
 * @param telemetry Request metrics and the traffic reports sent to the control plane.
 * @param accessLog The access log: one JSON line per request, off by default.
 * @param tap The tap endpoint on the admin listener, which streams live request metadata.
 * @param tracing Spans of the sidecar's requests, exported to Zipkin.
 * @param watchdog The watch on the traffic's event loops: their lag, and liveness when one is stuck.
 * <p>
 * Each record checks its values as it is bound (no Bean Validation provider: bootstrapping one
 * cost the sidecar about half a second of start time), so a bad value stops the start with
 * the property's name and what was wrong.
 */
@ConfigurationProperties(SidecarProperties.PREFIX)
public record SidecarProperties(String service, String instanceId, @DefaultValue Map<String, String> labels,
		@DefaultValue App app, @DefaultValue Inbound inbound, @DefaultValue Outbound outbound,
		@DefaultValue Admin admin, @DefaultValue ControlPlane controlPlane, Path stateFile,
		@DefaultValue Telemetry telemetry, @DefaultValue AccessLog accessLog, @DefaultValue Tap tap,
		@DefaultValue Tracing tracing, @DefaultValue Watchdog watchdog) {

	public static final String PREFIX = "mesh.proxy";

	private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

	public SidecarProperties {
		if (service == null || service.isBlank()) {
			throw new IllegalArgumentException(PREFIX + ".service must be set: the name of the local app's service");
		}
		if (!DNS_LABEL.matcher(service).matches()) {
			throw new IllegalArgumentException(PREFIX + ".service must be a DNS label (lower-case letters, digits and "
					+ "'-', at most 63) but was '" + service + "'");
		}
	}

	/**
	 * @param host Address of the local app.
	 * @param port Port of the local app.
	 * @param readinessPath Path the sidecar polls until the app answers 2xx, before it
	 * registers the instance; empty for a TCP connect check.
	 * @param readinessInterval How often readiness is checked, and the instance heartbeats.
	 */
	public record App(@DefaultValue("127.0.0.1") String host, int port,
			@DefaultValue("/actuator/health/readiness") String readinessPath,
			@DefaultValue("1s") Duration readinessInterval) {

		public App {
			notBlank("app.host", host);
			if (port == 0) {
				throw new IllegalArgumentException(PREFIX + ".app.port must be set: the port of the local app");
			}
			checkPort("app.port", port, 1);
			positive("app.readiness-interval", readinessInterval);
		}
	}

	/**
	 * @param address Address the inbound listener binds.
	 * @param port Port of the inbound listener; 0 picks a free one.
	 * @param advertisedAddress Address other sidecars reach the inbound listener on, as registered.
	 */
	public record Inbound(@DefaultValue("0.0.0.0") String address, @DefaultValue("15006") int port,
			@DefaultValue("127.0.0.1") String advertisedAddress) {

		public Inbound {
			notBlank("inbound.address", address);
			checkPort("inbound.port", port, 0);
			notBlank("inbound.advertised-address", advertisedAddress);
		}
	}

	/**
	 * @param address Address the outbound listener binds; keep it on loopback.
	 * @param port Port of the outbound listener; 0 picks a free one.
	 */
	public record Outbound(@DefaultValue("127.0.0.1") String address, @DefaultValue("15001") int port) {

		public Outbound {
			notBlank("outbound.address", address);
			checkPort("outbound.port", port, 0);
		}
	}

	/**
	 * @param address Address the admin listener binds.
	 * @param port Port of the admin listener; 0 picks a free one.
	 */
	public record Admin(@DefaultValue("127.0.0.1") String address, @DefaultValue("15000") int port) {

		public Admin {
			notBlank("admin.address", address);
			checkPort("admin.port", port, 0);
		}
	}

	/**
	 * @param interval How often the control thread hands each traffic event loop a task, to
	 * measure its lag (trellis.event.loop.lag) and notice when it is stuck.
	 * @param stuckAfter How long such a task may wait before its loop counts as stuck: the sidecar
	 * then logs the loop's stack and reports liveness BROKEN (/actuator/health/liveness answers
	 * 503) until the loop runs tasks again. 0 turns the watchdog off.
	 */
	public record Watchdog(@DefaultValue("1s") Duration interval, @DefaultValue("5s") Duration stuckAfter) {

		public Watchdog {
			positive("watchdog.interval", interval);
			if (stuckAfter == null || stuckAfter.isNegative()) {
				throw new IllegalArgumentException(PREFIX + ".watchdog.stuck-after must be 0 (off) or a positive "
						+ "duration but was " + stuckAfter);
			}
			if (!stuckAfter.isZero() && stuckAfter.compareTo(interval) < 0) {
				throw new IllegalArgumentException(PREFIX + ".watchdog.stuck-after (" + stuckAfter
						+ ") must not be shorter than " + PREFIX + ".watchdog.interval (" + interval + ")");
			}
		}

		/** Whether the watchdog runs. */
		public boolean enabled() {
			return !this.stuckAfter.isZero();
		}
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
	public record ControlPlane(@DefaultValue("http://127.0.0.1:8888") URI uri,
			@DefaultValue("/config") String configPrefix, @DefaultValue("30s") Duration watchWait,
			@DefaultValue("5s") Duration requestTimeout, @DefaultValue("5s") Duration heartbeatInterval,
			@DefaultValue("500ms") Duration retryInterval, @DefaultValue("10s") Duration maxRetryInterval) {

		public ControlPlane {
			if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
				throw new IllegalArgumentException(PREFIX + ".control-plane.uri must be an absolute http(s) URI such as "
						+ "http://127.0.0.1:8888 but was '" + uri + "'");
			}
			positive("control-plane.watch-wait", watchWait);
			positive("control-plane.request-timeout", requestTimeout);
			positive("control-plane.heartbeat-interval", heartbeatInterval);
			positive("control-plane.retry-interval", retryInterval);
			positive("control-plane.max-retry-interval", maxRetryInterval);
		}
	}

	/**
	 * @param metrics Whether every request is counted and timed in {@code trellis.requests}
	 * (by direction, source, destination, route, subset and status class).
	 * @param reportInterval How often the sidecar sends the control plane what traffic it carried
	 * (for the dashboard); 0 sends nothing.
	 * @param maxPeers Most distinct peer services (destinations, and callers on the inbound
	 * listener) tracked by name in metrics and reports; further ones are counted as "other".
	 */
	public record Telemetry(@DefaultValue("true") boolean metrics, @DefaultValue("5s") Duration reportInterval,
			@DefaultValue("500") int maxPeers) {

		public Telemetry {
			if (reportInterval == null || reportInterval.isNegative()) {
				throw new IllegalArgumentException(PREFIX + ".telemetry.report-interval must be 0 or a positive duration "
						+ "but was " + reportInterval);
			}
			if (maxPeers < 1 || maxPeers > 100_000) {
				throw new IllegalArgumentException(PREFIX + ".telemetry.max-peers must be from 1 to 100000 but was "
						+ maxPeers);
			}
		}
	}

	/**
	 * @param enabled Whether each request is logged as a JSON line.
	 * @param path File the lines are appended to; empty for standard output.
	 * @param queueSize Most lines waiting for the writer; lines beyond it are dropped and counted
	 * in {@code trellis.access.log.dropped}, so a slow disk never holds up a request.
	 */
	public record AccessLog(@DefaultValue("false") boolean enabled, Path path, @DefaultValue("8192") int queueSize) {

		public AccessLog {
			if (queueSize < 16 || queueSize > 1_000_000) {
				throw new IllegalArgumentException(PREFIX + ".access-log.queue-size must be from 16 to 1000000 but was "
						+ queueSize);
			}
		}
	}

	/**
	 * @param enabled Whether the admin listener serves {@code /tap}.
	 * @param maxTaps Most taps streaming at once; more are refused with 429.
	 * @param buffer Most events buffered for one tap whose reader is behind; further ones are
	 * dropped and counted.
	 * @param maxDuration Longest a tap streams before it ends.
	 */
	public record Tap(@DefaultValue("true") boolean enabled, @DefaultValue("8") int maxTaps,
			@DefaultValue("1000") int buffer, @DefaultValue("10m") Duration maxDuration) {

		public Tap {
			if (maxTaps < 1 || maxTaps > 1000) {
				throw new IllegalArgumentException(PREFIX + ".tap.max-taps must be from 1 to 1000 but was " + maxTaps);
			}
			if (buffer < 1 || buffer > 1_000_000) {
				throw new IllegalArgumentException(PREFIX + ".tap.buffer must be from 1 to 1000000 but was " + buffer);
			}
			positive("tap.max-duration", maxDuration);
		}
	}

	/**
	 * @param zipkinEndpoint Zipkin's span API, such as http://127.0.0.1:9411/api/v2/spans; the
	 * sidecar makes and exports spans only when it is set.
	 * @param samplingProbability Share of the traces the sidecar starts itself (requests that
	 * carry no sampling decision) that are sampled; a request's own decision is kept.
	 */
	public record Tracing(URI zipkinEndpoint, @DefaultValue("0.1") double samplingProbability) {

		public Tracing {
			if (samplingProbability < 0 || samplingProbability > 1) {
				throw new IllegalArgumentException(PREFIX + ".tracing.sampling-probability must be from 0 to 1 but was "
						+ samplingProbability);
			}
			if (zipkinEndpoint != null && (zipkinEndpoint.getScheme() == null || zipkinEndpoint.getHost() == null)) {
				throw new IllegalArgumentException(PREFIX + ".tracing.zipkin-endpoint must be an absolute http(s) URI "
						+ "such as http://127.0.0.1:9411/api/v2/spans but was '" + zipkinEndpoint + "'");
			}
		}

		public boolean enabled() {
			return this.zipkinEndpoint != null;
		}
	}

	private static void notBlank(String name, String value) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException(PREFIX + "." + name + " must not be blank");
		}
	}

	private static void checkPort(String name, int port, int min) {
		if (port < min || port > 65535) {
			throw new IllegalArgumentException(
					PREFIX + "." + name + " must be a port from " + min + " to 65535 but was " + port);
		}
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(PREFIX + "." + name + " must be a positive duration but was " + value);
		}
	}

}
