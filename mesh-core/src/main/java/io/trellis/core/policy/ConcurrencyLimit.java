package io.trellis.core.policy;

/**
 * The outbound concurrency limit of a destination service ({@code mesh.policy.concurrency-limit}),
 * enforced by each caller's sidecar on its own calls to the service, as Envoy's
 * {@code max_requests} and {@code max_pending_requests}: at most {@code maxInFlight} calls are
 * outstanding at once; up to {@code maxPending} more wait, first come first served, for one of
 * them to finish (the wait counts against the call's timeout); beyond that a call is answered
 * at once with {@code 503} and {@code x-trellis-error: overloaded}, without reaching the
 * service.
 * <p>
 * With {@code adaptive}, the number allowed in flight is not fixed but found by the gradient
 * algorithm of Netflix's concurrency-limits library (Gradient2): it grows while latency stays
 * near its long-run average and shrinks when latency climbs, so a service that slows down gets
 * fewer concurrent calls from each caller, between {@code minInFlight} and {@code maxInFlight},
 * starting at {@code initialInFlight}.
 *
 * @param enabled whether calls are limited
 * @param maxInFlight most calls outstanding at once (the limit itself when not adaptive)
 * @param maxPending most calls waiting for a slot; 0 to reject at once when all are taken
 * @param adaptive whether the limit adapts to latency (Gradient2)
 * @param minInFlight the adaptive limit's floor
 * @param initialInFlight the adaptive limit's value at start
 */
public record ConcurrencyLimit(boolean enabled, int maxInFlight, int maxPending, boolean adaptive, int minInFlight,
		int initialInFlight) {

	/** No limit, the default. */
	public static final ConcurrencyLimit DISABLED = new ConcurrencyLimit(false, 1024, 0, false, 1, 1024);

	/** Largest limit or queue policy may set. */
	public static final int MAX = 100_000;

	public ConcurrencyLimit {
		if (maxInFlight < 1 || maxInFlight > MAX) {
			throw new IllegalArgumentException("max-in-flight must be from 1 to " + MAX + ", was " + maxInFlight);
		}
		if (maxPending < 0 || maxPending > MAX) {
			throw new IllegalArgumentException("max-pending must be from 0 to " + MAX + ", was " + maxPending);
		}
		if (minInFlight < 1 || minInFlight > maxInFlight) {
			throw new IllegalArgumentException(
					"min-in-flight must be from 1 to max-in-flight (" + maxInFlight + "), was " + minInFlight);
		}
		if (initialInFlight < minInFlight || initialInFlight > maxInFlight) {
			throw new IllegalArgumentException("initial-in-flight must be from min-in-flight (" + minInFlight
					+ ") to max-in-flight (" + maxInFlight + "), was " + initialInFlight);
		}
	}

}
