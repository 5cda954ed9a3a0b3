package io.trellis.samples.inventory;

import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** Stock levels: a reactive (WebFlux) service that orders calls through the mesh. */
@SpringBootApplication
@RestController
public class InventoryApplication {

	public static void main(String[] args) {
		SpringApplication.run(InventoryApplication.class, args);
	}

	@GetMapping("/stock/{sku}")
	Mono<Map<String, Object>> stock(@PathVariable String sku,
			@RequestHeader(name = "x-trellis-source", required = false) String caller) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("sku", sku);
		// Stock that changes slowly over time, the same for every caller at a given moment.
		body.put("available", Math.floorMod(sku.hashCode() + System.currentTimeMillis() / 60_000, 40));
		body.put("calledBy", caller);
		return Mono.just(body);
	}

}
