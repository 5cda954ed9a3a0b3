package io.trellis.gateway.route;

/** Request headers the mesh reads and writes. */
public final class MeshHeaders {

	/**
	 * Names the destination service of an outbound call, for clients that cannot set
	 * {@code Host} (the starter sends it); removed before the call leaves the sidecar.
	 */
	public static final String DESTINATION = "x-trellis-destination";

	/** The calling service, set by the caller's sidecar; the destination app reads it. */
	public static final String SOURCE = "x-trellis-source";

	/** The calling instance, set by the caller's sidecar. */
	public static final String SOURCE_INSTANCE = "x-trellis-source-instance";

	private MeshHeaders() {
	}

}
