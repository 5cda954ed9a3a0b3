package io.trellis.gateway.controlplane;

import java.util.Map;

import io.trellis.gateway.SidecarProperties;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The instance id every outbound request carries: made once, anew when the inbound port changes. */
class LocalInstanceTests {

	@Test
	void theIdIsTheAdvertisedAddressAndTheInboundPortOnceBound() {
		LocalInstance local = new LocalInstance(bind(Map.of("mesh.proxy.service", "orders", "mesh.proxy.app.port",
				"8080", "mesh.proxy.inbound.advertised-address", "10.0.0.7")));
		assertThatIllegalStateException().isThrownBy(local::instanceId).withMessageContaining("inbound listener");
		local.setInboundPort(15006);
		assertThat(local.instanceId()).isEqualTo("10.0.0.7:15006");
		assertThat(local.instanceId()).isSameAs(local.instanceId());
		local.setInboundPort(16006);
		assertThat(local.instanceId()).isEqualTo("10.0.0.7:16006");
		assertThat(local.sidecarId()).isEqualTo("orders@10.0.0.7:16006");
	}

	@Test
	void aConfiguredIdWins() {
		LocalInstance local = new LocalInstance(bind(
				Map.of("mesh.proxy.service", "orders", "mesh.proxy.app.port", "8080", "mesh.proxy.instance-id", "orders-1")));
		assertThat(local.instanceId()).isEqualTo("orders-1");
		local.setInboundPort(15006);
		assertThat(local.instanceId()).isEqualTo("orders-1");
	}

	private static SidecarProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(SidecarProperties.PREFIX,
				SidecarProperties.class);
	}

}
