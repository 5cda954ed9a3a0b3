package io.trellis.configserver.registry;

import java.util.LinkedHashMap;
import java.util.Map;

import io.trellis.configserver.status.SyncStatusRegistry;
import io.trellis.core.policy.ServiceNames;
import io.trellis.core.registry.Registration;
import io.trellis.core.registry.ServiceEndpoints;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The registry's REST API: sidecars register, heartbeat and deregister their instance here. */
@RestController
@RequestMapping("/mesh/v1/registry")
public class RegistryController {

	private final ServiceRegistry registry;

	private final SyncStatusRegistry status;

	public RegistryController(ServiceRegistry registry, SyncStatusRegistry status) {
		this.registry = registry;
		this.status = status;
	}

	/** Registers an instance, or renews it: the heartbeat is the same call. */
	@PutMapping("/{service}/{instance}")
	public Map<String, Object> register(@PathVariable String service, @PathVariable String instance,
			@RequestBody Registration registration) {
		this.registry.register(service, instance, registration);
		return Map.of("ttlMillis", this.registry.getTtl().toMillis());
	}

	@DeleteMapping("/{service}/{instance}")
	public ResponseEntity<Void> deregister(@PathVariable String service, @PathVariable String instance) {
		boolean removed = this.registry.deregister(service, instance);
		this.status.forget(service, instance);
		return removed ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	@GetMapping
	public Map<String, ServiceEndpoints> all() {
		Map<String, ServiceEndpoints> all = new LinkedHashMap<>();
		for (String service : this.registry.services()) {
			all.put(service, this.registry.endpoints(service));
		}
		return all;
	}

	@GetMapping("/{service}")
	public ServiceEndpoints service(@PathVariable String service) {
		return this.registry.endpoints(ServiceNames.requireValid(service));
	}

}
