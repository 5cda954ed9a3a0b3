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
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * What the sidecar tells about the requests it carries: the golden request metrics, the traffic
 * reports for the control plane's dashboard, the access log and live taps, all fed by one
 * {@link RequestObserver} around the web handler.
 */
@AutoConfiguration(after = SidecarAutoConfiguration.class)
public final class SidecarTelemetryAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "mesh.proxy.telemetry.metrics", matchIfMissing = true)
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
	@ConditionalOnBooleanProperty("mesh.proxy.access-log.enabled")
	AccessLog meshAccessLog(SidecarProperties properties, ObjectProvider<MeterRegistry> meters) {
		SidecarProperties.AccessLog settings = properties.accessLog();
		return new AccessLog(settings.path(), settings.queueSize(), meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "mesh.proxy.tap.enabled", matchIfMissing = true)
	Taps meshTaps(SidecarProperties properties, ObjectProvider<MeterRegistry> meters) {
		SidecarProperties.Tap tap = properties.tap();
		return new Taps(tap.maxTaps(), tap.buffer(), tap.maxDuration(), meters.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	RequestObserver meshRequestObserver(SidecarProperties properties, ObjectProvider<RequestMetrics> metrics,
			TrafficCounters traffic, ObjectProvider<AccessLog> accessLog, ObjectProvider<Taps> taps,
			ObjectProvider<SidecarTracing> tracing) {
		boolean reports = !properties.telemetry().reportInterval().isZero();
		return new RequestObserver(properties.service(), metrics.getIfAvailable(), reports ? traffic : null,
				accessLog.getIfAvailable(), taps.getIfAvailable(), properties.telemetry().maxPeers(),
				tracing.getIfAvailable());
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
