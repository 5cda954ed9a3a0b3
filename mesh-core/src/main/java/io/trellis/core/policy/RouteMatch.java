package io.trellis.core.policy;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Conditions a request must meet for a route to apply. All conditions must hold; no
 * condition at all matches every request.
 *
 * @param headers header name (lower case) to the exact value the request must carry
 */
public record RouteMatch(Map<String, String> headers) {

	/** The match that every request meets. */
	public static final RouteMatch ANY = new RouteMatch(Map.of());

	public RouteMatch {
		java.util.LinkedHashMap<String, String> normalized = new java.util.LinkedHashMap<>();
		if (headers != null) {
			headers.forEach((name, value) -> normalized.put(name.toLowerCase(Locale.ROOT), value));
		}
		headers = java.util.Collections.unmodifiableMap(normalized);
	}

	/** Whether this match holds for every request. */
	public boolean matchesEverything() {
		return this.headers.isEmpty();
	}

	/**
	 * Whether a request matches.
	 * @param firstHeaderValue returns the request's first value of a header (name in lower
	 * case), or {@code null} when it has none
	 */
	public boolean matches(Function<String, String> firstHeaderValue) {
		for (Map.Entry<String, String> header : this.headers.entrySet()) {
			if (!header.getValue().equals(firstHeaderValue.apply(header.getKey()))) {
				return false;
			}
		}
		return true;
	}

}
