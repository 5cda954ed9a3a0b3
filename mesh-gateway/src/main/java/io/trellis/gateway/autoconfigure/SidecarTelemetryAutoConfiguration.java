package io.trellis.gateway.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.controlplane.ControlPlaneClient;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.route.ListenerResolver;
import io.trellis.gateway.telemetry.AccessLog;
import io.trellis.gateway.telemetry.ListenerConnections;
import io.trellis.gateway.telemetry.RequestMetrics;
import io.trellis.gateway.telemetry.RequestObserver;
import io.trellis.gateway.telemetry.Taps;
import io.trellis.gateway.telemetry.TrafficCounters;
import io.trellis.gateway.telemetry.TrafficReporter;
import io.trellis.gateway.tracing.SidecarTracing;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * What the sidecar tells about the requests it carries: the golden request metrics, the traffic
 * reports for the control plane's dashboard, the access log and live taps, all fed by one
 * {@link RequestObserver} around the web handler.
 * <p>
 * No bean here depends on a {@code mesh.proxy.*} property through a condition: the sidecar's
 * bean definitions are processed ahead of time (Spring AOT), which evaluates conditions at build
 * time, so a property switching a bean on would be silently ignored. Each bean exists; the
 * properties decide at run time what the observer uses.
 */
@AutoConfiguration(after = SidecarAutoConfiguration.class)
public final class SidecarTelemetryAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RequestMetrics meshRequestMetrics(ObjectProvider<MeterRegistry> meters) {
		MeterRegistry registry = meters.getIfAvailable();
		return (registry != null) ? new RequestMetrics(registry) : null;
	}

	@Bean
	@ConditionalOnMissingBean
	TrafficCounters meshTrafficCounters() {
		return new TrafficCounters();
	}

	@Bean
	@ConditionalOnMissingBean
	TrafficReporter meshTrafficReporter(ControlPlaneClient client, LocalInstance local, TrafficCounters counters,
			SidecarProperties properties) {
		return new TrafficReporter(client, local, counters, properties.telemetry().reportInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	AccessLog meshAccessLog(SidecarProperties properties, ObjectProvider<MeterRegistry> meters) {
		SidecarProperties.AccessLog settings = properties.accessLog();
		return new AccessLog(settings.enabled(), settings.path(), settings.queueSize(), meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	Taps meshTaps(SidecarProperties properties, ObjectProvider<MeterRegistry> meters) {
		SidecarProperties.Tap tap = properties.tap();
		// Its gauges only when tapping is on, so a scrape tells whether it is.
		return new Taps(tap.maxTaps(), tap.buffer(), tap.maxDuration(), tap.enabled() ? meters.getIfAvailable() : null);
	}

	@Bean
	@ConditionalOnMissingBean
	RequestObserver meshRequestObserver(SidecarProperties properties, ObjectProvider<RequestMetrics> metrics,
			TrafficCounters traffic, ObjectProvider<AccessLog> accessLog, ObjectProvider<Taps> taps,
			ObjectProvider<SidecarTracing> tracing) {
		boolean reports = !properties.telemetry().reportInterval().isZero();
		AccessLog log = accessLog.getIfAvailable();
		return new RequestObserver(properties.service(),
				properties.telemetry().metrics() ? metrics.getIfAvailable() : null, reports ? traffic : null,
				(log != null && log.isEnabled()) ? log : null, properties.tap().enabled() ? taps.getIfAvailable() : null,
				properties.telemetry().maxPeers(), tracing.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	ListenerConnections meshListenerConnections(ListenerResolver listeners, ObjectProvider<MeterRegistry> meters) {
		return new ListenerConnections(listeners, meters.getIfAvailable());
	}

	/** Every request of both listeners passes the observer, mesh error answers included. */
	@Bean
	WebHttpHandlerBuilderCustomizer meshRequestObservation(RequestObserver observer) {
		return (builder) -> builder.httpHandlerDecorator(observer::decorate);
	}

}
