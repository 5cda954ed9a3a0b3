package io.trellis.gateway.telemetry;

import java.util.Map;

import io.trellis.core.http.MeshHeaders;
import io.trellis.core.policy.Subset;
import io.trellis.core.telemetry.EdgeTraffic;
import io.micrometer.tracing.Span;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.policy.PolicyCompiler;
import io.trellis.gateway.retry.RetryFilter;
import io.trellis.gateway.route.Listener;
import io.trellis.gateway.route.MeshExchangeAttributes;
import io.trellis.gateway.tracing.SidecarTracing;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;

/**
 * Sees every request of the inbound and outbound listeners end, around the whole web handler
 * (so the mesh's own error answers are seen with their status), and hands what it learnt to the
 * request metrics, the traffic counters, the access log and open taps. It reads the exchange's
 * attributes (through the request, which shares them) for the direction, destination, route and
 * subset, and the response for the status, the mesh's error reason and the retries made.
 */
public class RequestObserver {

	/** Exchange attribute holding the trace id of the sidecar's span, when tracing is on. */
	public static final String TRACE_ID_ATTR = RequestObserver.class.getName() + ".trace-id";

	private final String local;

	private final RequestMetrics metrics;

	private final TrafficCounters traffic;

	private final AccessLog accessLog;

	private final Taps taps;

	private final BoundedNames peers;

	private final SidecarTracing tracing;

	/**
	 * @param local the local service
	 * @param metrics the request metrics, or null for none
	 * @param traffic the counters of the traffic reports, or null for none
	 * @param accessLog the access log, or null when it is off
	 * @param taps the taps, or null when tapping is off
	 * @param maxPeers most distinct peer services named in metrics and reports
	 */
	public RequestObserver(String local, RequestMetrics metrics, TrafficCounters traffic, AccessLog accessLog, Taps taps,
			int maxPeers) {
		this(local, metrics, traffic, accessLog, taps, maxPeers, null);
	}

	/**
	 * @param local the local service
	 * @param metrics the request metrics, or null for none
	 * @param traffic the counters of the traffic reports, or null for none
	 * @param accessLog the access log, or null when it is off
	 * @param taps the taps, or null when tapping is off
	 * @param maxPeers most distinct peer services named in metrics and reports
	 * @param tracing ends the requests' spans, or null when the sidecar does not trace
	 */
	public RequestObserver(String local, RequestMetrics metrics, TrafficCounters traffic, AccessLog accessLog, Taps taps,
			int maxPeers, SidecarTracing tracing) {
		this.tracing = tracing;
		this.local = local;
		this.metrics = metrics;
		this.traffic = traffic;
		this.accessLog = accessLog;
		this.taps = taps;
		this.peers = new BoundedNames(maxPeers);
	}

	/** Whether there is anything to observe at all. */
	public boolean observes() {
		return this.metrics != null || this.traffic != null || this.accessLog != null || this.taps != null
				|| this.tracing != null;
	}

	/** {@code handler} with every request it handles observed. */
	public HttpHandler decorate(HttpHandler handler) {
		return observes() ? new ObservedHandler(handler) : handler;
	}

	void completed(ServerHttpRequest request, ServerHttpResponse response, long startNanos, long startMillis,
			SignalType signal) {
		long nanos = System.nanoTime() - startNanos;
		Map<String, Object> attributes = request.getAttributes();
		Object listener = attributes.get(MeshExchangeAttributes.LISTENER_ATTR);
		Span span = (this.tracing != null) ? (Span) attributes.get(SidecarTracing.SPAN_ATTR) : null;
		if (listener == null) {
			if (span != null) {
				span.end();
			}
			return;
		}
		boolean outbound = listener == Listener.OUTBOUND;
		String direction = outbound ? EdgeTraffic.OUTBOUND : EdgeTraffic.INBOUND;
		String source;
		String destination;
		String routeName;
		if (outbound) {
			source = this.local;
			destination = this.peers.admit((String) attributes.get(MeshExchangeAttributes.DESTINATION_ATTR));
			Route route = (Route) attributes.get(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
			Object name = (route != null) ? route.getMetadata().get(PolicyCompiler.ROUTE_METADATA) : null;
			routeName = (name != null) ? (String) name : "none";
		}
		else {
			source = this.peers.admit(request.getHeaders().getFirst(MeshHeaders.SOURCE));
			destination = this.local;
			routeName = "inbound";
		}
		Subset subset = (Subset) attributes.get(MeshExchangeAttributes.SUBSET_ATTR);
		String subsetName = (subset != null) ? subset.name() : "all";
		HttpStatusCode code = response.getStatusCode();
		int status = (code != null && (signal != SignalType.CANCEL || response.isCommitted())) ? code.value() : 0;
		if (span != null) {
			endSpan(span, outbound ? destination : source, routeName, subsetName, status, response);
		}
		if (this.metrics != null) {
			this.metrics.record(direction, source, destination, routeName, subsetName, status, nanos);
		}
		if (this.traffic != null) {
			this.traffic.record(direction, outbound ? destination : source, RequestRecord.failed(status), nanos);
		}
		boolean tapping = this.taps != null && this.taps.active();
		if (this.accessLog == null && !tapping) {
			return;
		}
		HttpHeaders headers = response.getHeaders();
		String retries = headers.getFirst(RetryFilter.RETRIES_HEADER);
		RequestRecord record = new RequestRecord(startMillis, direction, source, destination, routeName, subsetName,
				request.getMethod().name(), request.getPath().value(), status, nanos,
				(retries != null) ? parse(retries) : 0, headers.getFirst(MeshError.HEADER), traceId(attributes, request));
		if (this.accessLog != null) {
			this.accessLog.offer(record);
		}
		if (tapping) {
			this.taps.publish(record);
		}
	}

	private static void endSpan(Span span, String peer, String route, String subset, int status,
			ServerHttpResponse response) {
		span.remoteServiceName(peer);
		span.tag("mesh.route", route);
		span.tag("mesh.subset", subset);
		span.tag("http.status_code", (status > 0) ? Integer.toString(status) : "none");
		HttpHeaders headers = response.getHeaders();
		String retries = headers.getFirst(RetryFilter.RETRIES_HEADER);
		if (retries != null) {
			span.tag("mesh.retries", retries);
		}
		String meshError = headers.getFirst(MeshError.HEADER);
		if (meshError != null) {
			span.tag("mesh.error", meshError);
		}
		if (RequestRecord.failed(status)) {
			span.tag("error", (meshError != null) ? meshError : (status > 0) ? Integer.toString(status) : "no response");
		}
		span.end();
	}

	private static int parse(String retries) {
		try {
			return Integer.parseInt(retries);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/** The sidecar's own trace id when it traces, else the one the request came with, if any. */
	static String traceId(Map<String, Object> attributes, ServerHttpRequest request) {
		Object own = attributes.get(TRACE_ID_ATTR);
		if (own != null) {
			return (String) own;
		}
		HttpHeaders headers = request.getHeaders();
		String traceparent = headers.getFirst("traceparent");
		if (traceparent != null && traceparent.length() >= 55 && traceparent.charAt(2) == '-') {
			return traceparent.substring(3, 35);
		}
		String b3 = headers.getFirst("b3");
		if (b3 != null) {
			int dash = b3.indexOf('-');
			if (dash == 16 || dash == 32) {
				return b3.substring(0, dash);
			}
		}
		return headers.getFirst("X-B3-TraceId");
	}

	private final class ObservedHandler implements HttpHandler {

		private final HttpHandler delegate;

		ObservedHandler(HttpHandler delegate) {
			this.delegate = delegate;
		}

		@Override
		public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
			long startNanos = System.nanoTime();
			long startMillis = System.currentTimeMillis();
			return this.delegate.handle(request, response)
				.doFinally((signal) -> completed(request, response, startNanos, startMillis, signal));
		}

	}

}
