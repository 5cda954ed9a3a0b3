package io.trellis.gateway.error;

/**
 * A failure the mesh reports to the caller as a {@link MeshError}, with a message naming the
 * service and what went wrong. Thrown without a stack trace: it is an answer, not a bug.
 */
public class MeshException extends RuntimeException {

	private final MeshError error;

	private final String service;

	private final int status;

	public MeshException(MeshError error, String service, String message) {
		this(error, service, message, error.status().value());
	}

	/** A failure answered with {@code status} instead of the error's own (an injected abort). */
	public MeshException(MeshError error, String service, String message, int status) {
		super(message, null, false, false);
		this.error = error;
		this.service = service;
		this.status = status;
	}

	/** The status the caller is answered with. */
	public int getStatus() {
		return this.status;
	}

	public MeshError getError() {
		return this.error;
	}

	/** The destination service the failure concerns, or null. */
	public String getService() {
		return this.service;
	}

}
