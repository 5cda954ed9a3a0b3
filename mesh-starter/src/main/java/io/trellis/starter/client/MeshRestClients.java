package io.trellis.starter.client;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Builds blocking clients that bypass the mesh, for calls that must not go through the
 * sidecar even though their URLs look like mesh services. For a {@code RestTemplateBuilder},
 * pass the built {@code RestTemplate}, or add {@code MeshRestClients::withoutMesh} as an
 * additional customizer.
 * <p>
 * Kept apart from {@link MeshWebClients} so that applications without WebFlux can compile
 * calls to these methods.
 */
public final class MeshRestClients {

	private MeshRestClients() {
	}

	/**
	 * Removes the mesh interceptor from {@code builder}; clients it builds afterwards call
	 * URLs directly.
	 * @return {@code builder}
	 */
	public static RestClient.Builder withoutMesh(RestClient.Builder builder) {
		return builder.requestInterceptors((interceptors) -> interceptors.removeIf(MeshRestClients::isMesh));
	}

	/**
	 * Removes the mesh interceptor from {@code restTemplate}, which then calls URLs directly.
	 * @return {@code restTemplate}
	 */
	public static RestTemplate withoutMesh(RestTemplate restTemplate) {
		// Through setInterceptors, so that RestTemplate drops the request factory it built
		// around the old interceptor list.
		List<ClientHttpRequestInterceptor> remaining = new ArrayList<>(restTemplate.getInterceptors());
		if (remaining.removeIf(MeshRestClients::isMesh)) {
			restTemplate.setInterceptors(remaining);
		}
		return restTemplate;
	}

	private static boolean isMesh(ClientHttpRequestInterceptor interceptor) {
		return interceptor instanceof MeshClientHttpRequestInterceptor;
	}

}
