package io.trellis.starter.deadline;

import io.trellis.core.http.MeshHeaders;
import reactor.util.context.ContextView;

/**
 * The deadline of the request an application is handling, as its sidecar stated it in
 * {@link MeshHeaders#TIMEOUT}: kept from when the request arrived, so that the calls the
 * application makes while handling it carry what is left. On servlet applications it lives
 * with the request's thread; on reactive ones in the Reactor context of the request.
 */
public final class MeshDeadline {

	/** The Reactor context key holding the deadline, a {@link System#nanoTime()} value. */
	public static final String CONTEXT_KEY = MeshDeadline.class.getName();

	private static final ThreadLocal<Long> CURRENT = new ThreadLocal<>();

	private MeshDeadline() {
	}

	/**
	 * The deadline a request's header states, counted from now, or null when it has none or
	 * the header is not a whole number (the sidecar has refused malformed ones already).
	 */
	public static Long fromHeader(String value) {
		if (value == null) {
			return null;
		}
		try {
			long millis = Long.parseLong(value.strip());
			return System.nanoTime() + Math.max(0, Math.min(millis, 86_400_000L)) * 1_000_000L;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/** Makes {@code deadline} the current thread's until {@link #clear()}. */
	static void set(Long deadline) {
		if (deadline == null) {
			CURRENT.remove();
		}
		else {
			CURRENT.set(deadline);
		}
	}

	static void clear() {
		CURRENT.remove();
	}

	/** The current thread's deadline, or null. */
	public static Long current() {
		return CURRENT.get();
	}

	/** The deadline in a Reactor context, else the current thread's, or null. */
	public static Long current(ContextView context) {
		Object deadline = context.getOrDefault(CONTEXT_KEY, null);
		return (deadline instanceof Long nanos) ? nanos : current();
	}

	/** The header value for a call made now under {@code deadline}: milliseconds left, at least 0. */
	public static String header(long deadline) {
		long left = deadline - System.nanoTime();
		return Long.toString((left <= 0) ? 0 : (left + 999_999) / 1_000_000);
	}

}
