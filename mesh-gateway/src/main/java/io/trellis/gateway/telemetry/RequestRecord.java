package io.trellis.gateway.telemetry;

/**
 * One request the sidecar finished, as metrics, the access log and taps see it: metadata only,
 * never bodies or header values other than the trace id.
 *
 * @param startMillis when the request arrived (epoch milliseconds)
 * @param direction {@code inbound} or {@code outbound}
 * @param source the calling service ({@code unknown} when the caller came without a sidecar)
 * @param destination the called service
 * @param route the name of the route that took the request, {@code inbound} on the inbound
 * listener, {@code none} when no route did
 * @param subset the subset the request was sent to, {@code all} for the whole service
 * @param method the HTTP method
 * @param path the request path, without the query
 * @param status the response status, 0 when there was none (the caller went away first)
 * @param durationNanos from the request's arrival to the end of its response
 * @param retries retries the sidecar made
 * @param meshError the mesh's error reason ({@code x-trellis-error}), or null
 * @param traceId the request's trace id, or null
 */
public record RequestRecord(long startMillis, String direction, String source, String destination, String route,
		String subset, String method, String path, int status, long durationNanos, int retries, String meshError,
		String traceId) {

	/** {@code 2xx} and so on, {@code none} without a status. */
	public String statusClass() {
		return statusClass(this.status);
	}

	static String statusClass(int status) {
		return switch (status / 100) {
			case 1 -> "1xx";
			case 2 -> "2xx";
			case 3 -> "3xx";
			case 4 -> "4xx";
			case 5 -> "5xx";
			default -> "none";
		};
	}

	/** Whether the request counts as failed in success rates: a 5xx or no response. */
	public boolean failed() {
		return failed(this.status);
	}

	static boolean failed(int status) {
		return status >= 500 || status < 100;
	}

}
