package io.trellis.core.http;

/**
 * The HTTP headers of the mesh's wire contract, shared by the sidecar and the starter.
 */
public final class MeshHeaders {

	/**
	 * Names the destination of an outbound call as {@code service[:port]}, for clients that
	 * cannot set {@code Host} (the JDK {@code HttpClient} refuses to). The sidecar reads it
	 * before the request target and {@code Host}, and removes it before forwarding.
	 */
	public static final String DESTINATION = "x-trellis-destination";

	/** The calling service, set by the caller's sidecar; the destination app reads it. */
	public static final String SOURCE = "x-trellis-source";

	/** The calling instance, set by the caller's sidecar. */
	public static final String SOURCE_INSTANCE = "x-trellis-source-instance";

	/** On a response the mesh itself produced: the reason, such as {@code no-endpoints}. */
	public static final String ERROR = "x-trellis-error";

	private MeshHeaders() {
	}

}
