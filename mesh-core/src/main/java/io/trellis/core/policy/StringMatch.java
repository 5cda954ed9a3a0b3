package io.trellis.core.policy;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one part of a request (its path, a header, a query parameter) must look for a route to
 * apply.
 *
 * @param kind how {@code value} is compared
 * @param value the value compared against (null for {@link Kind#PRESENT} and {@link Kind#ABSENT})
 * @param pattern {@code value} compiled, for {@link Kind#REGEX}
 */
public record StringMatch(Kind kind, String value, Pattern pattern) {

	/** How a value is compared. */
	public enum Kind {

		/** Equal to the value. */
		EXACT,
		/** A path that is the value or begins with it followed by '/' (path segments, as Gateway API's PathPrefix). */
		PREFIX,
		/** Matched entirely by the regular expression (Java syntax, as Istio's full match). */
		REGEX,
		/** Present, whatever its value. */
		PRESENT,
		/** Not present. */
		ABSENT

	}

	public StringMatch {
		Objects.requireNonNull(kind, "kind");
		if (kind == Kind.PRESENT || kind == Kind.ABSENT) {
			value = null;
			pattern = null;
		}
		else {
			Objects.requireNonNull(value, "value");
			pattern = (kind == Kind.REGEX) ? ((pattern != null) ? pattern : Pattern.compile(value)) : null;
		}
	}

	public static StringMatch exact(String value) {
		return new StringMatch(Kind.EXACT, value, null);
	}

	public static StringMatch prefix(String value) {
		return new StringMatch(Kind.PREFIX, value, null);
	}

	public static StringMatch regex(String value) {
		return new StringMatch(Kind.REGEX, value, null);
	}

	public static StringMatch present() {
		return new StringMatch(Kind.PRESENT, null, null);
	}

	public static StringMatch absent() {
		return new StringMatch(Kind.ABSENT, null, null);
	}

	/** Whether {@code actual} (null when the request has none) fits. */
	public boolean matches(String actual) {
		return switch (this.kind) {
			case PRESENT -> actual != null;
			case ABSENT -> actual == null;
			case EXACT -> this.value.equals(actual);
			case REGEX -> actual != null && this.pattern.matcher(actual).matches();
			case PREFIX -> actual != null && isPathPrefix(this.value, actual);
		};
	}

	private static boolean isPathPrefix(String prefix, String path) {
		if (!path.startsWith(prefix)) {
			return false;
		}
		return path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/';
	}

	/** For the admin endpoint and messages: {@code {exact: /a}}, {@code {present: true}}. */
	public Object describe() {
		return switch (this.kind) {
			case PRESENT -> java.util.Map.of("present", true);
			case ABSENT -> java.util.Map.of("present", false);
			default -> java.util.Map.of(this.kind.name().toLowerCase(java.util.Locale.ROOT), this.value);
		};
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof StringMatch that && this.kind == that.kind && Objects.equals(this.value, that.value);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.kind, this.value);
	}

}
