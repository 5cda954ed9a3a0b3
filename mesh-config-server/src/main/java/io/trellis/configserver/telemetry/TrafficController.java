package io.trellis.configserver.telemetry;

import io.trellis.core.telemetry.TrafficReport;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Sidecars send the traffic they carried here, one report per interval. */
@RestController
@RequestMapping("/mesh/v1")
public class TrafficController {

	private final TrafficStore store;

	public TrafficController(TrafficStore store) {
		this.store = store;
	}

	@PostMapping("/traffic")
	public ResponseEntity<Void> report(@RequestBody TrafficReport report) {
		this.store.record(report);
		return ResponseEntity.noContent().build();
	}

}
