package io.trellis.starter.actuate;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.sidecar.SidecarAdminClient;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.json.JacksonJsonParser;
import org.springframework.boot.json.JsonParseException;
import org.springframework.util.ClassUtils;

/**
 * {@code /actuator/mesh}: whether the starter is enabled, the service name, where the sidecar
 * listens and whether it answers, which version of this service's policy it runs, which mesh
 * services this application called, and the sidecar's own description embedded.
 * <p>
 * Reads the sidecar synchronously with a short timeout; Spring Boot runs blocking endpoint
 * operations off the event loop in reactive applications.
 */
@Endpoint(id = "mesh")
public class MeshEndpoint {

	private static final boolean JACKSON_PRESENT = ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper",
			MeshEndpoint.class.getClassLoader());

	private final Settings settings;

	private final @Nullable SidecarAdminClient adminClient;

	private final Supplier<List<String>> servicesCalled;

	private final boolean parseJson;

	/**
	 * @param settings the starter's configuration
	 * @param adminClient the sidecar's admin client, or {@code null} when the starter is
	 * disabled (the sidecar is then not asked)
	 * @param calledServices the services called, or {@code null} when none are recorded
	 */
	public MeshEndpoint(Settings settings, @Nullable SidecarAdminClient adminClient,
			@Nullable CalledServices calledServices) {
		this(settings, adminClient, calledServices, JACKSON_PRESENT);
	}

	MeshEndpoint(Settings settings, @Nullable SidecarAdminClient adminClient, @Nullable CalledServices calledServices,
			boolean parseJson) {
		this.settings = settings;
		this.adminClient = adminClient;
		this.servicesCalled = (calledServices != null) ? calledServices::names : List::of;
		this.parseJson = parseJson;
	}

	@ReadOperation
	public MeshDescriptor mesh() {
		SidecarAdminClient.Response response = (this.adminClient != null) ? this.adminClient.mesh() : null;
		boolean reachable = response != null && response.answered();
		Object sidecarState = (response != null && response.status() == 200 && response.body() != null)
				? sidecarState(response.body()) : null;
		MeshDescriptor.Sidecar sidecar = new MeshDescriptor.Sidecar(this.settings.address(),
				this.settings.outboundPort(), this.settings.adminPort(), reachable);
		return new MeshDescriptor(this.settings.enabled(), this.settings.serviceName(), sidecar,
				policyVersion(sidecarState), this.servicesCalled.get(), sidecarState);
	}

	private Object sidecarState(String body) {
		if (!this.parseJson) {
			return body;
		}
		try {
			return new JacksonJsonParser().parseMap(body);
		}
		catch (JsonParseException ex) {
			// Still worth showing: whatever the sidecar said is the best clue to what is wrong.
			return body;
		}
	}

	private @Nullable String policyVersion(@Nullable Object sidecarState) {
		if (this.settings.serviceName() == null || !(sidecarState instanceof Map<?, ?> state)
				|| !(state.get("policies") instanceof Map<?, ?> policies)
				|| !(policies.get(this.settings.serviceName()) instanceof Map<?, ?> policy)) {
			return null;
		}
		Object version = policy.get("version");
		return (version != null) ? version.toString() : null;
	}

	/**
	 * The configuration the endpoint reports.
	 *
	 * @param enabled whether the starter is enabled
	 * @param serviceName this application's service name, if known
	 * @param address address of the sidecar's listeners
	 * @param outboundPort port of the sidecar's outbound listener
	 * @param adminPort port of the sidecar's admin listener
	 */
	public record Settings(boolean enabled, @Nullable String serviceName, String address, int outboundPort,
			int adminPort) {

	}

}
