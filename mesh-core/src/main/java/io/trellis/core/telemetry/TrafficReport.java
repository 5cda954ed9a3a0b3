package io.trellis.core.telemetry;

import java.util.List;

/**
 * What a sidecar tells the control plane about the traffic it carried since its previous
 * report ({@code POST /mesh/v1/traffic}), every {@code mesh.proxy.telemetry.report-interval}.
 *
 * @param sidecar the sidecar's id
 * @param service the service of its local app
 * @param instance the instance id of its local app
 * @param intervalMillis how long the interval was that the counts cover
 * @param edges one entry per direction and peer that had requests in the interval
 */
public record TrafficReport(String sidecar, String service, String instance, long intervalMillis,
		List<EdgeTraffic> edges) {

	public TrafficReport {
		edges = (edges != null) ? List.copyOf(edges) : List.of();
	}

}
