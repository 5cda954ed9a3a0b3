package io.trellis.configserver.watch;

import io.trellis.core.watch.ServiceState;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Service state; the watch long-poll itself is {@link WatchServlet}. */
@RestController
@RequestMapping("/mesh/v1")
public class WatchController {

	/** The watch long-poll's path. */
	public static final String WATCH_PATH = "/mesh/v1/watch";

	private final WatchHub hub;

	public WatchController(WatchHub hub) {
		this.hub = hub;
	}

	@GetMapping("/services/{service}")
	public ServiceState service(@PathVariable String service) {
		return this.hub.state(service);
	}

}
