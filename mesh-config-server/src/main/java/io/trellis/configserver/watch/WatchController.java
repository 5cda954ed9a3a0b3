package io.trellis.configserver.watch;

import io.trellis.configserver.status.SyncStatusRegistry;
import io.trellis.core.watch.ServiceState;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/** Service state and the watch long-poll. */
@RestController
@RequestMapping("/mesh/v1")
public class WatchController {

	private final WatchHub hub;

	private final SyncStatusRegistry status;

	public WatchController(WatchHub hub, SyncStatusRegistry status) {
		this.hub = hub;
		this.status = status;
	}

	@GetMapping("/services/{service}")
	public ServiceState service(@PathVariable String service) {
		return this.hub.state(service);
	}

	@PostMapping("/watch")
	public DeferredResult<WatchResponse> watch(@RequestBody WatchRequest request) {
		if (request.sidecar() != null) {
			this.status.seen(request.sidecar());
		}
		return this.hub.watch(request);
	}

}
