package io.trellis.gateway.tracing;

import java.io.Closeable;
import java.net.URI;

import brave.Tracing;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.sampler.Sampler;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.trellis.gateway.route.Listener;
import zipkin2.reporter.brave.AsyncZipkinSpanHandler;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * The sidecar's spans, with Micrometer Tracing over Brave: one per request and listener, a
 * {@code SERVER} span on the inbound listener and a {@code CLIENT} span on the outbound one, each
 * a child of the context the request came with (W3C or B3, {@link MeshPropagation}) and sent on
 * in its place, so the app's spans and the sidecars' join in one trace. Spans are reported to
 * Zipkin by a background thread; the local service name is {@code <service>-sidecar}.
 */
public class SidecarTracing implements Closeable {

	/** Exchange attribute holding the request's span. */
	public static final String SPAN_ATTR = SidecarTracing.class.getName() + ".span";

	private static final Propagator.Getter<HttpHeaders> GETTER = HttpHeaders::getFirst;

	private static final Propagator.Setter<HttpHeaders> SETTER = HttpHeaders::set;

	private final Tracing tracing;

	private final AsyncZipkinSpanHandler spanHandler;

	private final Tracer tracer;

	private final Propagator propagator;

	private final MeshPropagation propagation = new MeshPropagation();

	private final String localName;

	/**
	 * @param service the local service
	 * @param zipkinEndpoint where spans are posted
	 * @param samplingProbability share of traces started here that are sampled
	 */
	public SidecarTracing(String service, URI zipkinEndpoint, double samplingProbability) {
		this.localName = service + "-sidecar";
		this.spanHandler = AsyncZipkinSpanHandler.create(new ZipkinHttpSender(zipkinEndpoint));
		this.tracing = Tracing.newBuilder()
			.localServiceName(this.localName)
			.sampler(Sampler.create((float) samplingProbability))
			.propagationFactory(this.propagation)
			.traceId128Bit(true)
			.supportsJoin(false)
			.currentTraceContext(ThreadLocalCurrentTraceContext.create())
			.addSpanHandler(this.spanHandler)
			.build();
		this.tracer = new BraveTracer(this.tracing.tracer(),
				new BraveCurrentTraceContext(this.tracing.currentTraceContext()), new BraveBaggageManager());
		this.propagator = new BravePropagator(this.tracing);
	}

	public String localServiceName() {
		return this.localName;
	}

	/** Starts the request's span, a child of the context it came with, and keeps it in the exchange. */
	public Span start(ServerWebExchange exchange, Listener listener) {
		ServerHttpRequest request = exchange.getRequest();
		Span.Builder builder = this.propagator.extract(request.getHeaders(), GETTER);
		Span span = builder.kind((listener == Listener.INBOUND) ? Span.Kind.SERVER : Span.Kind.CLIENT)
			.name(request.getMethod().name() + " " + ((listener == Listener.INBOUND) ? "inbound" : "outbound"))
			.tag("http.method", request.getMethod().name())
			.tag("http.path", request.getPath().value())
			.tag("mesh.direction", (listener == Listener.INBOUND) ? "inbound" : "outbound")
			.start();
		exchange.getAttributes().put(SPAN_ATTR, span);
		return span;
	}

	/**
	 * Replaces the trace headers of a request sent on with the context of its span, so the next
	 * hop's spans are its children. {@code headers} must be writable.
	 */
	public void inject(ServerWebExchange exchange, HttpHeaders headers) {
		Span span = exchange.getAttribute(SPAN_ATTR);
		if (span == null) {
			return;
		}
		for (String key : this.propagation.keys()) {
			headers.remove(key);
		}
		this.propagator.inject(span.context(), headers, SETTER);
	}

	/** Tracer of the spans, for tests and extensions. */
	public Tracer tracer() {
		return this.tracer;
	}

	/** Sends the spans still buffered to Zipkin, waiting for them. */
	public void flush() {
		this.spanHandler.flush();
	}

	@Override
	public void close() {
		try {
			this.spanHandler.flush();
		}
		catch (RuntimeException ex) {
			// Zipkin is unreachable: the spans still buffered are lost, as they would be anyway.
		}
		this.tracing.close();
		this.spanHandler.close();
	}

}
