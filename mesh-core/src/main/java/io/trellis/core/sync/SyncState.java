package io.trellis.core.sync;

/** Whether a sidecar runs the policy the control plane serves. */
public enum SyncState {

	/** Every policy the sidecar holds is the version being served. */
	SYNCED,

	/** The sidecar runs an older version of some policy, or has not been heard from lately. */
	STALE,

	/** The sidecar refused the version being served of some policy. */
	REJECTED

}
