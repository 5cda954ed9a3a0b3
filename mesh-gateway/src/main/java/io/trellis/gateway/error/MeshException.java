package io.trellis.gateway.error;

/**
 * A failure the mesh reports to the caller as a {@link MeshError}, with a message naming the
 * service and what went wrong. Thrown without a stack trace: it is an answer, not a bug.
 */
public class MeshException extends RuntimeException {

	private final MeshError error;

	private final String service;

	public MeshException(MeshError error, String service, String message) {
		super(message, null, false, false);
		this.error = error;
		this.service = service;
	}

	public MeshError getError() {
		return this.error;
	}

	/** The destination service the failure concerns, or null. */
	public String getService() {
		return this.service;
	}

}
