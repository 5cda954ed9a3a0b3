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

	/**
	 * The milliseconds a request has left before its caller gives up: set by each sidecar on
	 * the requests it sends, honoured (and passed on, counted down) by the next one; apps that
	 * call further services pass it on (the starter does), so the deadline spans the chain.
	 */
	public static final String TIMEOUT = "x-trellis-timeout-ms";

	/** On a response the mesh itself produced: the reason, such as {@code no-endpoints}. */
	public static final String ERROR = "x-trellis-error";

	/** Marks a mirrored copy of a request (dark traffic): its value is the service the original went to. */
	public static final String MIRROR = "x-trellis-mirror";

	private MeshHeaders() {
	}

}
