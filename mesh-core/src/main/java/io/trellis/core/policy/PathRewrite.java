package io.trellis.core.policy;

import java.util.Objects;

/**
 * How a route rewrites the path of its requests before they are sent on (the query is kept),
 * as Gateway API's URLRewrite: the whole path replaced by {@code value}, or the part the
 * route's {@code match.path.prefix} matched replaced by {@code value}.
 *
 * @param kind what is replaced
 * @param value the replacement, starting with '/'
 * @param matchedPrefix for {@link Kind#PREFIX}: the route's path prefix that is replaced
 */
public record PathRewrite(Kind kind, String value, String matchedPrefix) {

	/** What is replaced. */
	public enum Kind {

		/** The whole path. */
		FULL_PATH,
		/** The prefix the route matched. */
		PREFIX

	}

	public PathRewrite {
		Objects.requireNonNull(kind, "kind");
		Objects.requireNonNull(value, "value");
		if (kind == Kind.PREFIX) {
			Objects.requireNonNull(matchedPrefix, "matchedPrefix");
		}
	}

	/** The path a request with {@code path} is sent with. */
	public String apply(String path) {
		if (this.kind == Kind.FULL_PATH) {
			return this.value;
		}
		if (!path.startsWith(this.matchedPrefix)) {
			return path;
		}
		String rest = path.substring(this.matchedPrefix.length());
		if (rest.isEmpty()) {
			return this.value;
		}
		// '/api' + '/v1' → value + '/v1', without a doubled or missing '/'.
		if (this.value.endsWith("/") && rest.startsWith("/")) {
			return this.value + rest.substring(1);
		}
		if (!this.value.endsWith("/") && !rest.startsWith("/")) {
			return this.value + "/" + rest;
		}
		return this.value + rest;
	}

}
