package io.trellis.starter.client;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds {@code WebClient}s that bypass the mesh, for calls that must not go through the
 * sidecar even though their URLs look like mesh services.
 */
public final class MeshWebClients {

	private MeshWebClients() {
	}

	/**
	 * Removes the mesh filter from {@code builder}; clients it builds afterwards call URLs
	 * directly.
	 * @return {@code builder}
	 */
	public static WebClient.Builder withoutMesh(WebClient.Builder builder) {
		return builder.filters((filters) -> filters.removeIf(MeshExchangeFilterFunction.class::isInstance));
	}

}
