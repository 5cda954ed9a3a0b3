package io.trellis.configserver.telemetry;

/**
 * A traffic report refused because keeping it would exceed a bound of the control plane's
 * memory ({@code mesh.control-plane.telemetry.max-sidecars} or {@code max-edges}); the sidecar
 * is not at fault and later reports are taken once older ones fall out of the window.
 */
public class TrafficLimitException extends RuntimeException {

	public TrafficLimitException(String message) {
		super(message);
	}

}
