package io.trellis.core.registry;

import java.util.List;

/**
 * The endpoints of one service at one version of the registry's view of it.
 *
 * @param service the service
 * @param version increases each time the endpoint set or an endpoint's labels change
 * @param endpoints the live endpoints
 */
public record ServiceEndpoints(String service, long version, List<Endpoint> endpoints) {

	public ServiceEndpoints {
		endpoints = (endpoints != null) ? List.copyOf(endpoints) : List.of();
	}

}
