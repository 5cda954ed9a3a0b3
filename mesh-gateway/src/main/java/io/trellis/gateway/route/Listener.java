package io.trellis.gateway.route;

/** The listener a request arrived on, which decides how the sidecar treats it. */
public enum Listener {

	/** Calls from the local app to other services. */
	OUTBOUND,

	/** Calls from other sidecars to the local app. */
	INBOUND,

	/** The admin listener: actuator endpoints and {@code /tap}, answered by the sidecar itself, never proxied. */
	ADMIN

}
