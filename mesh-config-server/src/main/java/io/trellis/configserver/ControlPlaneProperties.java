package io.trellis.configserver;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the Trellis control plane.
 *
 * @param registry The endpoint registry.
 * @param policy Loading and validating policy.
 * @param watch The long-poll watch stream.
 * @param status Sidecar sync status.
 * @param telemetry The traffic reports sidecars send, behind the dashboard.
 */
@Validated
@ConfigurationProperties(ControlPlaneProperties.PREFIX)
public record ControlPlaneProperties(@DefaultValue Registry registry, @DefaultValue Policy policy,
		@DefaultValue Watch watch, @DefaultValue Status status, @DefaultValue Telemetry telemetry) {

	public static final String PREFIX = "mesh.control-plane";

	/**
	 * @param ttl Time after its last heartbeat that an instance drops out of the registry.
	 * @param sweepInterval How often expired instances are removed.
	 * @param warmup Time after start during which sidecars that already hold endpoints are
	 * not sent endpoint sets: the registry starts empty and fills as sidecars heartbeat, so it
	 * should exceed the sidecars' heartbeat interval.
	 */
	public record Registry(@DefaultValue("15s") Duration ttl, @DefaultValue("500ms") Duration sweepInterval,
			@DefaultValue("10s") Duration warmup) {
	}

	/**
	 * @param pollInterval How often the policy repository is checked for changed files; for
	 * git, how often the clone is checked, while fetches from the remote follow
	 * spring.cloud.config.server.git.refresh-rate.
	 * @param watchFiles Whether a policy directory is also watched for file system events
	 * (inotify on Linux), so an edit is picked up at once instead of at the next poll.
	 * Polling goes on either way, for file systems that send no events.
	 */
	public record Policy(@DefaultValue("500ms") Duration pollInterval, @DefaultValue("true") boolean watchFiles) {
	}

	/**
	 * @param maxWait Longest a watch request is held when nothing changes.
	 */
	public record Watch(@DefaultValue("30s") Duration maxWait) {
	}

	/**
	 * @param staleAfter Time without hearing from a sidecar after which it is shown STALE.
	 * @param forgetAfter Time without hearing from a sidecar after which it is no longer listed.
	 */
	public record Status(@DefaultValue("30s") Duration staleAfter, @DefaultValue("10m") Duration forgetAfter) {
	}

	/**
	 * @param window Time over which the dashboard's traffic figures (requests per second,
	 * success rate, p99 latency) are computed; reports older than this are dropped, and a
	 * sidecar that sent none for this long is forgotten.
	 * @param maxSidecars Maximum number of sidecars whose reports are kept; reports from
	 * further sidecars are refused until others fall out of the window.
	 * @param maxEdges Maximum number of entries kept over all sidecars' reports in the
	 * window, bounding the memory the reports take (about 200 bytes each); reports that
	 * would exceed it are refused until older ones fall out of the window.
	 * @param maxEdgesPerReport Maximum number of entries (direction and peer) in one report;
	 * a larger report is refused as bad input.
	 */
	public record Telemetry(@DefaultValue("30s") Duration window, @DefaultValue("10000") int maxSidecars,
			@DefaultValue("1000") int maxEdgesPerReport, @DefaultValue("200000") int maxEdges) {

		public Telemetry {
			if (window == null || window.compareTo(Duration.ofSeconds(1)) < 0) {
				throw new IllegalArgumentException(
						PREFIX + ".telemetry.window must be at least 1s but was " + window);
			}
			requirePositive("max-sidecars", maxSidecars);
			requirePositive("max-edges-per-report", maxEdgesPerReport);
			requirePositive("max-edges", maxEdges);
		}

		private static void requirePositive(String name, int value) {
			if (value < 1) {
				throw new IllegalArgumentException(PREFIX + ".telemetry." + name + " must be at least 1 but was " + value);
			}
		}

	}

}
