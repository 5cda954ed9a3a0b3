package io.trellis.configserver.policy;

import java.time.Instant;
import java.util.List;

import io.trellis.core.policy.PolicyError;

/**
 * What the control plane serves for one service, and whether the repository's latest content
 * for it was valid.
 *
 * @param service the service
 * @param version the version being served
 * @param ownFile whether the service has a policy file of its own (else it gets the mesh-wide
 * defaults)
 * @param valid whether the latest content read was valid
 * @param rejectedVersion the version of the latest content when it was rejected, else null
 * @param errors why the latest content was rejected
 * @param servedSince when the version being served was first served
 * @param checkedAt when the service's content was last read
 */
public record PolicyStatus(String service, String version, boolean ownFile, boolean valid, String rejectedVersion,
		List<PolicyError> errors, Instant servedSince, Instant checkedAt) {
}
