package io.trellis.gateway.telemetry;

/**
 * Which requests a tap shows; each condition left null matches everything.
 *
 * @param direction {@code inbound} or {@code outbound}
 * @param destination the called service, exactly
 * @param pathPrefix the start of the request path
 * @param status a status code such as {@code 503}, or a class such as {@code 5xx}
 */
public record TapFilter(String direction, String destination, String pathPrefix, String status) {

	public TapFilter {
		if (direction != null && !direction.equals("inbound") && !direction.equals("outbound")) {
			throw new IllegalArgumentException("direction must be inbound or outbound, was '" + direction + "'");
		}
		if (status != null && !status.matches("[1-5]([0-9][0-9]|xx)")) {
			throw new IllegalArgumentException(
					"status must be a status code such as 503 or a class such as 5xx, was '" + status + "'");
		}
		if (pathPrefix != null && !pathPrefix.startsWith("/")) {
			throw new IllegalArgumentException("path-prefix must start with '/', was '" + pathPrefix + "'");
		}
	}

	boolean matches(RequestRecord record) {
		if (this.direction != null && !this.direction.equals(record.direction())) {
			return false;
		}
		if (this.destination != null && !this.destination.equals(record.destination())) {
			return false;
		}
		if (this.pathPrefix != null && (record.path() == null || !record.path().startsWith(this.pathPrefix))) {
			return false;
		}
		if (this.status != null) {
			if (this.status.endsWith("xx")) {
				return record.status() / 100 == this.status.charAt(0) - '0';
			}
			return Integer.toString(record.status()).equals(this.status);
		}
		return true;
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder();
		append(text, "direction", this.direction);
		append(text, "destination", this.destination);
		append(text, "path-prefix", this.pathPrefix);
		append(text, "status", this.status);
		return (text.length() > 0) ? text.toString() : "all";
	}

	private static void append(StringBuilder text, String name, String value) {
		if (value != null) {
			if (text.length() > 0) {
				text.append(' ');
			}
			// Only service names, paths and statuses: no quotes or backslashes survive validation
			// except in a path, whose quotes are dropped here for the JSON line this goes into.
			text.append(name).append('=').append(value.replace("\"", "").replace("\\", ""));
		}
	}

}
