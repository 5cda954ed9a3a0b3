package io.trellis.configserver.telemetry;

import io.trellis.core.telemetry.EdgeTraffic;

/**
 * One line of a sidecar's traffic: a direction ({@code outbound} or {@code inbound}) and the
 * peer service on the other end.
 *
 * @param direction {@link EdgeTraffic#OUTBOUND} or {@link EdgeTraffic#INBOUND}
 * @param peer the other service; {@link TrafficStore#UNKNOWN_PEER} for callers without a sidecar
 */
public record TrafficKey(String direction, String peer) {

	public boolean outbound() {
		return EdgeTraffic.OUTBOUND.equals(this.direction);
	}

}
