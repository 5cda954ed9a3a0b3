package io.trellis.gateway.controlplane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.trellis.core.policy.PolicySource;
import io.trellis.core.registry.Endpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class StateStoreTests {

	@TempDir
	Path dir;

	@Test
	void savedStateReadsBackWhole() throws IOException {
		StateStore store = new StateStore(this.dir.resolve("sub/state.json"), JsonMapper.builder().build());
		StateStore.State state = new StateStore.State(StateStore.FORMAT, "frontend", Instant.parse("2026-01-01T00:00:00Z"),
				Map.of("orders", new StateStore.ServiceState("abc",
						List.of(new PolicySource("orders.yml", Map.of("mesh.policy.timeout", "2s"))), 7,
						List.of(new Endpoint("i1", "127.0.0.1", 15006, Map.of("version", "v1"))))));
		store.save(state);
		assertThat(store.load()).isEqualTo(state);
		try (var files = Files.list(this.dir.resolve("sub"))) {
			assertThat(files).containsExactly(this.dir.resolve("sub/state.json"));
		}
	}

	@Test
	void unreadableOrForeignFileIsIgnored() throws IOException {
		Path file = this.dir.resolve("state.json");
		StateStore store = new StateStore(file, JsonMapper.builder().build());
		assertThat(store.load()).isNull();
		Files.writeString(file, "{ not json");
		assertThat(store.load()).isNull();
		Files.writeString(file, "{\"format\":99,\"service\":\"x\",\"services\":{}}");
		assertThat(store.load()).isNull();
	}

}
