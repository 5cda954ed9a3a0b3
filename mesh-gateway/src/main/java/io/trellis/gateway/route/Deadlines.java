package io.trellis.gateway.route;

import java.time.Duration;

import io.netty.util.AsciiString;
import io.trellis.core.http.MeshHeaders;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The deadline a request carries from hop to hop: {@link MeshHeaders#TIMEOUT} (milliseconds
 * left, set by the sidecars and passed on by apps that propagate it) or gRPC's
 * {@code grpc-timeout}. Times are relative, so the hosts' clocks need not agree; each sidecar
 * counts from when the request reached it.
 */
public final class Deadlines {

	/** The gRPC deadline header. */
	public static final String GRPC_TIMEOUT = "grpc-timeout";

	/** The exchange attribute holding the request's deadline as a {@link System#nanoTime()} value. */
	public static final String DEADLINE_ATTR = MeshExchangeAttributes.class.getName() + ".deadline";

	private static final AsciiString TIMEOUT_NAME = AsciiString.cached(MeshHeaders.TIMEOUT);

	private static final AsciiString GRPC_TIMEOUT_NAME = AsciiString.cached(GRPC_TIMEOUT);

	/** The most a header may say; longer is treated as this. */
	private static final long MAX_MILLIS = Duration.ofDays(1).toMillis();

	private Deadlines() {
	}

	/**
	 * The time the request has left by its headers, or null when it carries no deadline.
	 * @throws MeshException ({@link MeshError#BAD_REQUEST}) naming a malformed header
	 */
	public static Duration remaining(HttpHeaders headers) {
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.readable(headers);
		Duration mesh = parseMesh((netty != null) ? netty.get(TIMEOUT_NAME) : headers.getFirst(MeshHeaders.TIMEOUT));
		Duration grpc = parseGrpc((netty != null) ? netty.get(GRPC_TIMEOUT_NAME) : headers.getFirst(GRPC_TIMEOUT));
		if (mesh == null) {
			return grpc;
		}
		return (grpc == null || mesh.compareTo(grpc) <= 0) ? mesh : grpc;
	}

	static Duration parseMesh(String value) {
		if (value == null) {
			return null;
		}
		String trimmed = value.strip();
		if (trimmed.isEmpty() || trimmed.length() > 18 || !trimmed.chars().allMatch((c) -> c >= '0' && c <= '9')) {
			// A negative value is a deadline already passed.
			if (trimmed.startsWith("-") && trimmed.length() > 1 && trimmed.length() <= 19
					&& trimmed.substring(1).chars().allMatch((c) -> c >= '0' && c <= '9')) {
				return Duration.ZERO;
			}
			throw new MeshException(MeshError.BAD_REQUEST, null, "Header " + MeshHeaders.TIMEOUT + " must be the "
					+ "milliseconds the request has left, a whole number, not '" + value + "'");
		}
		return Duration.ofMillis(Math.min(Long.parseLong(trimmed), MAX_MILLIS));
	}

	/** gRPC's form: 1 to 8 digits and a unit, H, M, S, m (milli), u (micro) or n (nano). */
	static Duration parseGrpc(String value) {
		if (value == null) {
			return null;
		}
		String trimmed = value.strip();
		int length = trimmed.length();
		if (length < 2 || length > 9 || !trimmed.substring(0, length - 1).chars().allMatch((c) -> c >= '0' && c <= '9')) {
			throw new MeshException(MeshError.BAD_REQUEST, null,
					"Header grpc-timeout must be 1 to 8 digits and a unit (H, M, S, m, u or n), not '" + value + "'");
		}
		long amount = Long.parseLong(trimmed.substring(0, length - 1));
		Duration duration = switch (trimmed.charAt(length - 1)) {
			case 'H' -> Duration.ofHours(amount);
			case 'M' -> Duration.ofMinutes(amount);
			case 'S' -> Duration.ofSeconds(amount);
			case 'm' -> Duration.ofMillis(amount);
			case 'u' -> Duration.ofNanos(amount * 1000);
			case 'n' -> Duration.ofNanos(amount);
			default -> throw new MeshException(MeshError.BAD_REQUEST, null,
					"Header grpc-timeout must end in a unit, H, M, S, m, u or n, not '" + value + "'");
		};
		return (duration.toMillis() > MAX_MILLIS) ? Duration.ofMillis(MAX_MILLIS) : duration;
	}

	/** Notes the request's deadline, {@code timeout} from now. */
	public static void start(ServerWebExchange exchange, Duration timeout) {
		exchange.getAttributes().put(DEADLINE_ATTR, System.nanoTime() + timeout.toNanos());
	}

	/** Milliseconds the request has left (0 when none), or -1 when it has no deadline. */
	public static long millisLeft(ServerWebExchange exchange) {
		Object deadline = exchange.getAttribute(DEADLINE_ATTR);
		if (!(deadline instanceof Long nanos)) {
			return -1;
		}
		long left = nanos - System.nanoTime();
		return (left <= 0) ? 0 : (left + 999_999) / 1_000_000;
	}

	/** The error of a request whose deadline has passed. */
	public static MeshException exceeded(String service, String what) {
		return new MeshException(MeshError.DEADLINE_EXCEEDED, service, what);
	}

}
