package io.trellis.gateway.error;

import io.trellis.core.http.MeshHeaders;

import org.springframework.http.HttpStatus;

/**
 * The errors the mesh itself produces, each with its HTTP status and the reason sent in the
 * {@value #HEADER} response header, so nobody mistakes a mesh 503 for an application's.
 */
public enum MeshError {

	/** The destination named in the request is not a service the mesh knows. */
	UNKNOWN_SERVICE(HttpStatus.SERVICE_UNAVAILABLE, "unknown-service"),

	/** The service (or the subset the route chose) has no live endpoint. */
	NO_ENDPOINTS(HttpStatus.SERVICE_UNAVAILABLE, "no-endpoints"),

	/** The control plane could not be reached to learn about a service not seen before. */
	DISCOVERY_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "discovery-unavailable"),

	/** The chosen endpoint refused or dropped the connection. */
	UPSTREAM_UNAVAILABLE(HttpStatus.BAD_GATEWAY, "upstream-unavailable"),

	/**
	 * A retryable failure that the service's retry budget had no room to retry: the service is
	 * failing for many requests at once.
	 */
	RETRY_BUDGET_EXHAUSTED(HttpStatus.SERVICE_UNAVAILABLE, "retry-budget-exhausted"),

	/** The destination's circuit breaker is open: its recent calls failed too often. */
	CIRCUIT_OPEN(HttpStatus.SERVICE_UNAVAILABLE, "circuit-open"),

	/** The call did not complete within the route's timeout. */
	UPSTREAM_TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "upstream-timeout"),

	/**
	 * The request's deadline (carried in {@code x-trellis-timeout-ms} or {@code grpc-timeout})
	 * had passed, or passed while it waited: it is not sent on.
	 */
	DEADLINE_EXCEEDED(HttpStatus.GATEWAY_TIMEOUT, "deadline-exceeded"),

	/** The inbound listener could not reach its local application. */
	APP_UNAVAILABLE(HttpStatus.BAD_GATEWAY, "app-unavailable"),

	/**
	 * The route's fault injection aborted the request ({@code mesh.policy.routes[i].fault.abort}):
	 * answered with the status the policy gives, without calling the service.
	 */
	FAULT_INJECTED(HttpStatus.SERVICE_UNAVAILABLE, "fault-injected"),

	/** The request could not be proxied as sent. */
	BAD_REQUEST(HttpStatus.BAD_REQUEST, "bad-request"),

	/** The instance's inbound rate limit refused the request ({@code Retry-After} says when to try again). */
	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "rate-limited"),

	/** The caller's concurrency limit for the destination was full, and so was its queue. */
	OVERLOADED(HttpStatus.SERVICE_UNAVAILABLE, "overloaded");

	/** The response header that names the reason of a mesh-made error. */
	public static final String HEADER = MeshHeaders.ERROR;

	private final HttpStatus status;

	private final String reason;

	MeshError(HttpStatus status, String reason) {
		this.status = status;
		this.reason = reason;
	}

	public HttpStatus status() {
		return this.status;
	}

	public String reason() {
		return this.reason;
	}

}
