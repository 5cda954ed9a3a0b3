package io.trellis.configserver.dashboard;

import java.util.List;
import java.util.Map;

import io.trellis.core.policy.PolicyError;

/**
 * The policy served for one service, as the dashboard shows it
 * ({@code GET /mesh/v1/topology/policy/{service}}).
 *
 * @param service the service
 * @param version the version served
 * @param ownFile whether it has a policy file of its own (else the mesh-wide defaults)
 * @param valid whether the repository's latest content for it was valid
 * @param errors why the latest content was rejected, when it was
 * @param files the files the served properties come from, the one that wins first
 * @param properties the served properties, each with the value that wins, by name
 */
public record ServicePolicy(String service, String version, boolean ownFile, boolean valid, List<PolicyError> errors,
		List<String> files, Map<String, Object> properties) {
}
