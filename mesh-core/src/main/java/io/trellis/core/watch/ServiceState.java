package io.trellis.core.watch;

import java.util.List;

import io.trellis.core.registry.Endpoint;

/**
 * What the control plane knows of one service: the version of its policy being served and
 * its endpoints.
 *
 * @param service the service
 * @param known whether the mesh knows the service at all: it has a policy file or
 * registered endpoints
 * @param policyVersion version of the policy served for the service
 * @param endpointsVersion version of the endpoint set
 * @param endpoints the live endpoints
 */
public record ServiceState(String service, boolean known, String policyVersion, long endpointsVersion,
		List<Endpoint> endpoints) {

	public ServiceState {
		endpoints = (endpoints != null) ? List.copyOf(endpoints) : List.of();
	}

}
