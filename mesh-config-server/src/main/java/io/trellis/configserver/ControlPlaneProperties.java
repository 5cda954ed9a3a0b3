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
 */
@Validated
@ConfigurationProperties(ControlPlaneProperties.PREFIX)
public record ControlPlaneProperties(@DefaultValue Registry registry, @DefaultValue Policy policy,
		@DefaultValue Watch watch, @DefaultValue Status status) {

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

}
