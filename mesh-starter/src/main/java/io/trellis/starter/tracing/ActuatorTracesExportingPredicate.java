package io.trellis.starter.tracing;

import java.util.Map;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanExportingPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Keeps out of export the traces that requests to actuator endpoints start: the sidecar checks
 * the application's readiness every second, and with sampling at 1.0 each check would be a
 * trace of its own that buries the application's traffic. Only a server span that is the root
 * of its trace (the request came without trace context) is dropped; an actuator request that is
 * part of a trace is exported as usual, and the request's metrics are untouched.
 */
public class ActuatorTracesExportingPredicate implements SpanExportingPredicate {

	private final String basePath;

	/**
	 * @param basePath the actuator's web base path ({@code management.endpoints.web.base-path},
	 * {@code /actuator} by default)
	 */
	public ActuatorTracesExportingPredicate(String basePath) {
		String path = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
		this.basePath = path.startsWith("/") ? path : "/" + path;
	}

	@Override
	public boolean isExportable(FinishedSpan span) {
		if (span.getKind() != Span.Kind.SERVER) {
			return true;
		}
		String parentId = span.getParentId();
		if (parentId != null && !parentId.isEmpty()) {
			return true;
		}
		Map<String, String> tags = span.getTags();
		return !(isActuator(tags.get("uri")) || isActuator(tags.get("http.url")));
	}

	private boolean isActuator(@Nullable String path) {
		if (path == null || this.basePath.equals("/") || !path.startsWith(this.basePath)) {
			return false;
		}
		return path.length() == this.basePath.length() || path.charAt(this.basePath.length()) == '/'
				|| path.charAt(this.basePath.length()) == '?';
	}

}
