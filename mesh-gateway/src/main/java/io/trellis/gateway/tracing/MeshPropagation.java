package io.trellis.gateway.tracing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import brave.propagation.B3Propagation;
import brave.propagation.Propagation;
import brave.propagation.TraceContext;
import brave.propagation.TraceContextOrSamplingFlags;
import io.micrometer.tracing.brave.bridge.W3CPropagation;

/**
 * How the sidecar reads and writes trace context: it accepts W3C {@code traceparent} first, then
 * B3 (single {@code b3} and multi {@code X-B3-*}), and sends both W3C and single-header B3 on, so
 * apps of either kind continue the trace.
 */
final class MeshPropagation extends Propagation.Factory implements Propagation<String> {

	private final Propagation<String> w3c = new W3CPropagation().get();

	private final Propagation<String> b3 = B3Propagation.newFactoryBuilder()
		.injectFormat(B3Propagation.Format.SINGLE_NO_PARENT)
		.build()
		.get();

	private final List<String> keys;

	MeshPropagation() {
		List<String> keys = new ArrayList<>(this.w3c.keys());
		for (String key : this.b3.keys()) {
			if (!keys.contains(key)) {
				keys.add(key);
			}
		}
		keys.add("x-b3-traceid");
		keys.add("x-b3-spanid");
		keys.add("x-b3-parentspanid");
		keys.add("x-b3-sampled");
		keys.add("x-b3-flags");
		this.keys = Collections.unmodifiableList(keys);
	}

	@Override
	public Propagation<String> get() {
		return this;
	}

	@Override
	public boolean supportsJoin() {
		return false;
	}

	@Override
	public boolean requires128BitTraceId() {
		return true;
	}

	/** Every header name of either format, so incoming ones can be removed before injecting. */
	@Override
	public List<String> keys() {
		return this.keys;
	}

	@Override
	public <R> TraceContext.Injector<R> injector(Setter<R, String> setter) {
		TraceContext.Injector<R> w3c = this.w3c.injector(setter);
		TraceContext.Injector<R> b3 = this.b3.injector(setter);
		return (context, request) -> {
			w3c.inject(context, request);
			b3.inject(context, request);
		};
	}

	@Override
	public <R> TraceContext.Extractor<R> extractor(Getter<R, String> getter) {
		TraceContext.Extractor<R> w3c = this.w3c.extractor(getter);
		TraceContext.Extractor<R> b3 = this.b3.extractor(getter);
		return (request) -> {
			TraceContextOrSamplingFlags extracted = w3c.extract(request);
			if (extracted.context() != null) {
				return extracted;
			}
			return b3.extract(request);
		};
	}

}
