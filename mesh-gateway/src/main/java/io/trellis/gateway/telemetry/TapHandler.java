package io.trellis.gateway.telemetry;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import reactor.core.publisher.Mono;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code GET /tap} on the admin listener: streams the metadata of requests as they finish, as
 * JSON lines ({@code application/x-ndjson}). Query parameters: {@code direction},
 * {@code destination}, {@code path-prefix}, {@code status} (code or class), {@code limit}
 * (requests, default 100, at most 100000) and {@code duration} (default 1m, at most
 * {@code mesh.proxy.tap.max-duration}). The first line describes the tap; a line
 * {@code {"dropped":N}} tells the reader it was too slow for N events.
 */
public class TapHandler {

	static final long DEFAULT_LIMIT = 100;

	static final long MAX_LIMIT = 100_000;

	static final Duration DEFAULT_DURATION = Duration.ofMinutes(1);

	private static final MediaType NDJSON = MediaType.APPLICATION_NDJSON;

	private final Taps taps;

	/** @param taps the taps, or null when tapping is off ({@code mesh.proxy.tap.enabled=false}) */
	public TapHandler(Taps taps) {
		this.taps = taps;
	}

	public Mono<ServerResponse> tap(ServerRequest request) {
		if (this.taps == null) {
			return error(HttpStatus.NOT_FOUND, "Tapping is off on this sidecar (mesh.proxy.tap.enabled=false)");
		}
		TapFilter filter;
		long limit;
		Duration duration;
		try {
			filter = new TapFilter(param(request, "direction"), param(request, "destination"),
					param(request, "path-prefix"), param(request, "status"));
			String limitText = param(request, "limit");
			limit = (limitText != null) ? parseLimit(limitText) : DEFAULT_LIMIT;
			String durationText = param(request, "duration");
			duration = (durationText != null) ? parseDuration(durationText) : DEFAULT_DURATION;
		}
		catch (IllegalArgumentException ex) {
			return error(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
		try {
			return ServerResponse.ok().contentType(NDJSON).body(this.taps.open(filter, limit, duration), String.class);
		}
		catch (Taps.TooManyTapsException ex) {
			return error(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage());
		}
	}

	private static String param(ServerRequest request, String name) {
		return request.queryParam(name).filter((value) -> !value.isBlank()).orElse(null);
	}

	private static long parseLimit(String text) {
		try {
			long limit = Long.parseLong(text);
			if (limit >= 1 && limit <= MAX_LIMIT) {
				return limit;
			}
		}
		catch (NumberFormatException ex) {
			// Reported below.
		}
		throw new IllegalArgumentException("limit must be a number of requests from 1 to " + MAX_LIMIT + ", was '"
				+ text + "'");
	}

	private static Duration parseDuration(String text) {
		try {
			Duration duration = DurationStyle.detectAndParse(text);
			if (!duration.isNegative() && !duration.isZero()) {
				return duration;
			}
		}
		catch (IllegalArgumentException | DateTimeParseException ex) {
			// Reported below.
		}
		throw new IllegalArgumentException("duration must be a positive duration such as 30s or 5m, was '" + text + "'");
	}

	private static Mono<ServerResponse> error(HttpStatus status, String message) {
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
	}

}
