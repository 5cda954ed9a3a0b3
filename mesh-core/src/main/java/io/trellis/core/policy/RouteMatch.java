package io.trellis.core.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Conditions a request must meet for a route to apply: its path, its method, its headers and
 * its query parameters. All conditions must hold; no condition at all matches every request.
 *
 * @param path how the request's path (without the query) must look, or null for any path
 * @param methods the methods the route takes (upper case), or empty for any
 * @param headers header name (lower case) to how its first value must look
 * @param queryParams query parameter name (case-sensitive) to how its first value must look
 */
public record RouteMatch(StringMatch path, Set<String> methods, Map<String, StringMatch> headers,
		Map<String, StringMatch> queryParams) {

	/** The match that every request meets. */
	public static final RouteMatch ANY = new RouteMatch(null, Set.of(), Map.of(), Map.of());

	public RouteMatch {
		methods = (methods != null) ? Set.copyOf(methods) : Set.of();
		Map<String, StringMatch> normalized = new LinkedHashMap<>();
		if (headers != null) {
			headers.forEach((name, match) -> normalized.put(name.toLowerCase(Locale.ROOT), match));
		}
		headers = Collections.unmodifiableMap(normalized);
		queryParams = (queryParams != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(queryParams)) : Map.of();
	}

	/** A match on exact header values only. */
	public RouteMatch(Map<String, String> exactHeaders) {
		this(null, Set.of(), exactly(exactHeaders), Map.of());
	}

	private static Map<String, StringMatch> exactly(Map<String, String> values) {
		Map<String, StringMatch> matches = new LinkedHashMap<>();
		if (values != null) {
			values.forEach((name, value) -> matches.put(name, StringMatch.exact(value)));
		}
		return matches;
	}

	/** Whether this match holds for every request. */
	public boolean matchesEverything() {
		return this.path == null && this.methods.isEmpty() && this.headers.isEmpty() && this.queryParams.isEmpty();
	}

	/** Whether a request matches. */
	public boolean matches(RequestView request) {
		if (!this.methods.isEmpty() && !this.methods.contains(request.method())) {
			return false;
		}
		if (this.path != null && !this.path.matches(request.path())) {
			return false;
		}
		// (empty maps are not iterated: each iteration makes an iterator, on every request)
		if (!this.headers.isEmpty()) {
			for (Map.Entry<String, StringMatch> header : this.headers.entrySet()) {
				if (!header.getValue().matches(request.header(header.getKey()))) {
					return false;
				}
			}
		}
		if (!this.queryParams.isEmpty()) {
			for (Map.Entry<String, StringMatch> param : this.queryParams.entrySet()) {
				if (!param.getValue().matches(request.queryParam(param.getKey()))) {
					return false;
				}
			}
		}
		return true;
	}

	/** What a match looks at of a request. */
	public interface RequestView {

		/** The method, upper case. */
		String method();

		/** The path, without the query, as sent (not decoded). */
		String path();

		/** The first value of a header (name in lower case), or null. */
		String header(String name);

		/** The first value of a query parameter (decoded), empty when it has none (as in {@code ?preview}), or null when absent. */
		String queryParam(String name);

	}

}
