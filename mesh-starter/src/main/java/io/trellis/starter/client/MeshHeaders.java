package io.trellis.starter.client;

/**
 * Headers of the contract between an application and its sidecar's outbound listener. The
 * sidecar (mesh-gateway) reads and writes the same names.
 */
public final class MeshHeaders {

	/**
	 * Names the destination of an outbound call as {@code service[:port]}. The sidecar reads
	 * it before the request target and {@code Host}, and removes it before forwarding; it
	 * exists because some clients (the JDK {@code HttpClient}) refuse to set {@code Host}.
	 */
	public static final String DESTINATION = "x-trellis-destination";

	/** Present on responses the mesh itself produced, naming the reason. */
	public static final String ERROR = "x-trellis-error";

	private MeshHeaders() {
	}

}
