package io.trellis.starter.sidecar;

import java.time.Duration;

/**
 * Thrown at startup when the sidecar did not report healthy within
 * {@code mesh.sidecar.startup-timeout} and {@code mesh.sidecar.fail-on-startup-timeout} is set.
 */
public class SidecarStartupTimeoutException extends IllegalStateException {

	/** What to do about it. */
	static final String ACTION = "Start the sidecar (or correct mesh.sidecar.address and mesh.sidecar.admin-port), "
			+ "or set mesh.sidecar.fail-on-startup-timeout=false to start without it.";

	private final String address;

	private final Duration timeout;

	private final String lastProblem;

	/**
	 * @param address the sidecar admin listener's address
	 * @param timeout how long startup waited
	 * @param lastProblem what the last health check found
	 */
	public SidecarStartupTimeoutException(String address, Duration timeout, String lastProblem) {
		super(describe(address, timeout, lastProblem) + ". " + ACTION);
		this.address = address;
		this.timeout = timeout;
		this.lastProblem = lastProblem;
	}

	static String describe(String address, Duration timeout, String lastProblem) {
		return "Trellis sidecar at " + address + " did not report healthy on " + SidecarAdminClient.HEALTH_PATH
				+ " within " + timeout.toMillis() + " ms (last check: " + lastProblem + ")";
	}

	/** The sidecar admin listener's address, such as {@code http://127.0.0.1:15000}. */
	public String getAddress() {
		return this.address;
	}

	/** How long startup waited. */
	public Duration getTimeout() {
		return this.timeout;
	}

	/** What the last health check found. */
	public String getLastProblem() {
		return this.lastProblem;
	}

}
