package io.trellis.starter.actuate;

import java.io.IOException;
import java.util.Map;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.sidecar.SidecarAdminClient;
import io.trellis.starter.standin.StandInAdminListener;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MeshEndpointTests {

	@AutoClose
	private StandInAdminListener admin;

	private final CalledServices calledServices = new CalledServices();

	@BeforeEach
	void startAdmin() throws IOException {
		this.admin = StandInAdminListener.start();
	}

	private MeshEndpoint endpoint(String serviceName, int adminPort) {
		return new MeshEndpoint(new MeshEndpoint.Settings(true, serviceName, "127.0.0.1", 15001, adminPort),
				new SidecarAdminClient("127.0.0.1", adminPort), this.calledServices);
	}

	@Test
	void describesConfigurationServicesCalledAndEmbedsSidecarState() {
		this.calledServices.record("payments");
		this.calledServices.record("orders");
		MeshDescriptor mesh = endpoint("shop", this.admin.port()).mesh();
		assertThat(mesh.enabled()).isTrue();
		assertThat(mesh.serviceName()).isEqualTo("shop");
		assertThat(mesh.sidecar()).isEqualTo(new MeshDescriptor.Sidecar("127.0.0.1", 15001, this.admin.port(), true));
		assertThat(mesh.servicesCalled()).containsExactly("orders", "payments");
		assertThat(mesh.sidecarState()).isInstanceOf(Map.class);
		Map<?, ?> state = (Map<?, ?>) mesh.sidecarState();
		assertThat(state.get("service")).isEqualTo("shop");
		assertThat(state.get("controlPlane")).isInstanceOf(Map.class);
	}

	@Test
	void policyVersionIsTheSidecarsVersionOfThisServicesPolicy() {
		assertThat(endpoint("shop", this.admin.port()).mesh().policyVersion()).isEqualTo("v7");
		assertThat(endpoint("orders", this.admin.port()).mesh().policyVersion()).isEqualTo("v3");
		assertThat(endpoint("billing", this.admin.port()).mesh().policyVersion()).isNull();
	}

	@Test
	void numericPolicyVersionIsReportedAsText() {
		this.admin.meshDocument("{\"service\":\"shop\",\"policies\":{\"shop\":{\"version\":12}}}");
		assertThat(endpoint("shop", this.admin.port()).mesh().policyVersion()).isEqualTo("12");
	}

	@Test
	void unreachableSidecarGivesNullStateAndNotReachable() throws IOException {
		MeshDescriptor mesh = endpoint("shop", StandInAdminListener.unusedPort()).mesh();
		assertThat(mesh.sidecar().reachable()).isFalse();
		assertThat(mesh.sidecarState()).isNull();
		assertThat(mesh.policyVersion()).isNull();
	}

	@Test
	void sidecarAnsweringWithAnErrorIsReachableWithoutState() {
		this.admin.meshStatus(500);
		MeshDescriptor mesh = endpoint("shop", this.admin.port()).mesh();
		assertThat(mesh.sidecar().reachable()).isTrue();
		assertThat(mesh.sidecarState()).isNull();
	}

	@Test
	void invalidJsonFromSidecarIsEmbeddedAsText() {
		this.admin.meshDocument("not json");
		assertThat(endpoint("shop", this.admin.port()).mesh().sidecarState()).isEqualTo("not json");
	}

	@Test
	void withoutJacksonSidecarStateIsEmbeddedAsText() {
		MeshEndpoint endpoint = new MeshEndpoint(new MeshEndpoint.Settings(true, "shop", "127.0.0.1", 15001,
				this.admin.port()), new SidecarAdminClient("127.0.0.1", this.admin.port()), this.calledServices, false);
		MeshDescriptor mesh = endpoint.mesh();
		assertThat(mesh.sidecarState()).isEqualTo(StandInAdminListener.SHOP_SIDECAR);
		assertThat(mesh.policyVersion()).isNull();
	}

	@Test
	void disabledMeshIsReportedWithoutAskingTheSidecar() {
		MeshEndpoint endpoint = new MeshEndpoint(
				new MeshEndpoint.Settings(false, "shop", "127.0.0.1", 15001, this.admin.port()), null, null);
		MeshDescriptor mesh = endpoint.mesh();
		assertThat(mesh.enabled()).isFalse();
		assertThat(mesh.sidecar().reachable()).isFalse();
		assertThat(mesh.sidecarState()).isNull();
		assertThat(mesh.servicesCalled()).isEmpty();
		assertThat(this.admin.healthChecks()).isZero();
	}

}
