package io.trellis.gateway.error;

import java.nio.charset.StandardCharsets;

import io.trellis.gateway.metrics.MeshMetrics;
import io.trellis.gateway.route.Listener;
import io.trellis.gateway.route.MeshExchangeAttributes;
import io.trellis.gateway.telemetry.JsonStrings;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Answers mesh-made failures with their status, the {@value MeshError#HEADER} reason header
 * and a small JSON body naming the service; connection failures to an endpoint (outbound) or
 * to the local app (inbound) become 502s with their own reasons. Anything else goes on to
 * Spring Boot's error handling.
 */
public class MeshErrorWebExceptionHandler implements WebExceptionHandler, Ordered {

	/** Runs before Spring Boot's default handler (order -1). */
	public static final int ORDER = -2;

	private final MeshMetrics metrics;

	public MeshErrorWebExceptionHandler() {
		this(MeshMetrics.NONE);
	}

	/** @param metrics counts each mesh-made answer by destination and reason */
	public MeshErrorWebExceptionHandler(MeshMetrics metrics) {
		this.metrics = metrics;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		MeshException mesh = toMeshException(exchange, ex);
		ServerHttpResponse response = exchange.getResponse();
		if (mesh == null || response.isCommitted()) {
			return Mono.error(ex);
		}
		this.metrics.meshError(mesh.getService(), mesh.getError().reason());
		response.setStatusCode(org.springframework.http.HttpStatusCode.valueOf(mesh.getStatus()));
		HttpHeaders headers = response.getHeaders();
		headers.set(MeshError.HEADER, mesh.getError().reason());
		headers.setContentType(MediaType.APPLICATION_JSON);
		byte[] body = body(mesh).getBytes(StandardCharsets.UTF_8);
		headers.setContentLength(body.length);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	private static MeshException toMeshException(ServerWebExchange exchange, Throwable ex) {
		if (ex instanceof MeshException mesh) {
			return mesh;
		}
		String destination = exchange.getAttribute(MeshExchangeAttributes.DESTINATION_ATTR);
		boolean inbound = exchange.getAttribute(MeshExchangeAttributes.LISTENER_ATTR) == Listener.INBOUND;
		if (ex instanceof TimeoutException) {
			return new MeshException(MeshError.UPSTREAM_TIMEOUT, destination, ex.getMessage());
		}
		if (isConnectionFailure(ex)) {
			if (inbound) {
				return new MeshException(MeshError.APP_UNAVAILABLE, null,
						"The local application did not answer: " + ex.getMessage());
			}
			return new MeshException(MeshError.UPSTREAM_UNAVAILABLE, destination,
					"An endpoint of " + destination + " did not answer: " + ex.getMessage());
		}
		return null;
	}

	private static boolean isConnectionFailure(Throwable ex) {
		return UpstreamFailures.isConnectionFailure(ex);
	}

	static String body(MeshException ex) {
		StringBuilder json = new StringBuilder(128).append("{\"error\":\"").append(ex.getError().reason()).append('"');
		if (ex.getService() != null) {
			json.append(",\"service\":");
			JsonStrings.quote(json, ex.getService());
		}
		json.append(",\"message\":");
		JsonStrings.quote(json, String.valueOf(ex.getMessage()));
		return json.append('}').toString();
	}


}
