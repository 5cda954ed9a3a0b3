package io.trellis.configserver.status;

import java.util.List;

import io.trellis.core.sync.SidecarStatus;
import io.trellis.core.sync.SyncReport;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Sidecars report ACK/NACK here; operators read every sidecar's sync state. */
@RestController
@RequestMapping("/mesh/v1")
public class StatusController {

	private final SyncStatusRegistry status;

	public StatusController(SyncStatusRegistry status) {
		this.status = status;
	}

	@PostMapping("/sync")
	public ResponseEntity<Void> report(@RequestBody SyncReport report) {
		this.status.report(report);
		return ResponseEntity.noContent().build();
	}

	@GetMapping("/status")
	public List<SidecarStatus> status() {
		return this.status.statuses();
	}

}
