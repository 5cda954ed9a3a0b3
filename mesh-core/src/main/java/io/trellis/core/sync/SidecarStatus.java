package io.trellis.core.sync;

import java.time.Instant;
import java.util.List;

/**
 * The control plane's view of one sidecar.
 *
 * @param sidecar the sidecar's id
 * @param service the service of its local app
 * @param instance the instance id of its local app
 * @param state the overall state: the worst of its services' states, or STALE when it has not
 * been heard from within the staleness window
 * @param lastSeen when the sidecar last contacted the control plane
 * @param policies the state of each service's policy it holds
 */
public record SidecarStatus(String sidecar, String service, String instance, SyncState state, Instant lastSeen,
		List<PolicySync> policies) {

	/**
	 * One service's policy on one sidecar.
	 * @param service the service
	 * @param served the version the control plane serves
	 * @param applied the version the sidecar runs
	 * @param rejected a version the sidecar refused, if any
	 * @param reason why it refused it
	 * @param state SYNCED when applied equals served, REJECTED when served was refused, else STALE
	 */
	public record PolicySync(String service, String served, String applied, String rejected, String reason,
			SyncState state) {
	}

}
