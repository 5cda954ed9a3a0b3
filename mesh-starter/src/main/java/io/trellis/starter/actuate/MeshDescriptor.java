package io.trellis.starter.actuate;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * What {@code /actuator/mesh} returns: this application's view of the mesh and, embedded, the
 * sidecar's view of itself. Fields that can be {@code null} are written as {@code null} rather
 * than left out, so that the document keeps one shape whether or not the sidecar answers.
 *
 * @param enabled whether the starter is enabled ({@code mesh.enabled})
 * @param serviceName this application's service name, if known
 * @param sidecar where the sidecar listens and whether it answered
 * @param policyVersion the version of this service's policy the sidecar runs, when the
 * sidecar reports one
 * @param servicesCalled the mesh services this application has called, sorted
 * @param sidecarState the sidecar's own {@code /actuator/mesh} document (parsed JSON, or its
 * raw text when no JSON library is available), or {@code null} when it did not answer
 */
@JsonInclude(Include.ALWAYS)
public record MeshDescriptor(boolean enabled, @Nullable String serviceName, Sidecar sidecar,
		@Nullable String policyVersion, List<String> servicesCalled,
		@JsonInclude(value = Include.ALWAYS, content = Include.ALWAYS) @Nullable Object sidecarState)
		implements OperationResponseBody {

	/**
	 * Where the sidecar listens and whether it answered.
	 *
	 * @param address address of the sidecar's listeners
	 * @param outboundPort port of the outbound listener
	 * @param adminPort port of the admin listener
	 * @param reachable whether the admin listener answered just now
	 */
	public record Sidecar(String address, int outboundPort, int adminPort, boolean reachable) {

	}

}
