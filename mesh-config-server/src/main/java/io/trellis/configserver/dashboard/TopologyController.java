package io.trellis.configserver.dashboard;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The mesh's topology and each service's served policy, as the dashboard reads them. */
@RestController
@RequestMapping("/mesh/v1/topology")
public class TopologyController {

	private final TopologyReader reader;

	public TopologyController(TopologyReader reader) {
		this.reader = reader;
	}

	@GetMapping
	public Topology topology() {
		return this.reader.topology();
	}

	@GetMapping("/policy/{service}")
	public ServicePolicy policy(@PathVariable String service) {
		return this.reader.policy(service);
	}

}
