package io.trellis.core.sync;

import java.util.List;

/**
 * What a sidecar reports after each policy change (ACK or NACK) and with its heartbeat.
 *
 * @param sidecar the sidecar's id
 * @param service the service of its local app
 * @param instance the instance id of its local app
 * @param policies one entry per service whose policy it holds
 */
public record SyncReport(String sidecar, String service, String instance, List<PolicyAck> policies) {

	public SyncReport {
		policies = (policies != null) ? List.copyOf(policies) : List.of();
	}

}
