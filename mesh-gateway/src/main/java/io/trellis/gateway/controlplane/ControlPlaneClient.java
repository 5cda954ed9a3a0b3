package io.trellis.gateway.controlplane;

import java.time.Duration;

import io.netty.channel.ChannelOption;
import io.trellis.core.registry.Registration;
import io.trellis.core.sync.SyncReport;
import io.trellis.core.watch.ServiceState;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchResponse;
import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.server.ControlLoop;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The sidecar's calls to the control plane: policy through Config Server's Environment API,
 * the registry, the watch long-poll and sync reports. Non-blocking; every call is bounded by a
 * timeout. JSON is written and read on the bounded-elastic scheduler, never on an event loop:
 * the first use of a type makes Jackson build and cache its (de)serializers under a lock.
 */
public class ControlPlaneClient {

	private final WebClient client;

	private final SidecarProperties.ControlPlane properties;

	private final ConnectionProvider connections;

	private final JsonMapper json;

	public ControlPlaneClient(SidecarProperties.ControlPlane properties, JsonMapper json) {
		this(properties, json, null);
	}

	/**
	 * @param properties where the control plane is and how long to wait for it
	 * @param json reads and writes the control plane's JSON
	 * @param loop the thread the calls' I/O runs on, or null for Reactor Netty's shared event
	 * loops
	 */
	public ControlPlaneClient(SidecarProperties.ControlPlane properties, JsonMapper json, ControlLoop loop) {
		this.properties = properties;
		this.json = json;
		this.connections = ConnectionProvider.builder("trellis-control-plane")
			.maxConnections(8)
			.maxIdleTime(Duration.ofSeconds(20))
			.pendingAcquireMaxCount(64)
			.build();
		HttpClient http = HttpClient.create(this.connections)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
					(int) Math.min(Integer.MAX_VALUE, properties.requestTimeout().toMillis()));
		if (loop != null) {
			http = loop.runOn(http);
		}
		this.client = WebClient.builder()
			.baseUrl(properties.uri().toString())
			.clientConnector(new ReactorClientHttpConnector(http))
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
	}

	/** The service's policy, as the control plane serves it now. */
	public Mono<PolicyDocument> policy(String service) {
		return this.client.get()
			.uri(this.properties.configPrefix() + "/{service}/default", service)
			.retrieve()
			.bodyToMono(String.class)
			.timeout(this.properties.requestTimeout())
			.publishOn(Schedulers.boundedElastic())
			.map((body) -> this.json.readValue(body, PolicyDocument.class));
	}

	/** What the control plane knows of a service. */
	public Mono<ServiceState> service(String service) {
		return this.client.get()
			.uri("/mesh/v1/services/{service}", service)
			.retrieve()
			.bodyToMono(String.class)
			.timeout(this.properties.requestTimeout())
			.publishOn(Schedulers.boundedElastic())
			.map((body) -> this.json.readValue(body, ServiceState.class));
	}

	/** A long-poll: answered when something watched changed or the wait ends. */
	public Mono<WatchResponse> watch(WatchRequest request) {
		return Mono.fromCallable(() -> this.json.writeValueAsString(request))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((body) -> this.client.post()
				.uri("/mesh/v1/watch")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.retrieve()
				.bodyToMono(String.class))
			.timeout(Duration.ofMillis(request.waitMillis()).plus(this.properties.requestTimeout()))
			.publishOn(Schedulers.boundedElastic())
			.map((body) -> this.json.readValue(body, WatchResponse.class));
	}

	/** Registers the local instance, or renews its registration. */
	public Mono<Void> register(String service, String instance, Registration registration) {
		return Mono.fromCallable(() -> this.json.writeValueAsString(registration))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((body) -> this.client.put()
				.uri("/mesh/v1/registry/{service}/{instance}", service, instance)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.retrieve()
				.toBodilessEntity())
			.timeout(this.properties.requestTimeout())
			.then();
	}

	/** Removes the local instance from the registry. */
	public Mono<Void> deregister(String service, String instance) {
		return this.client.delete()
			.uri("/mesh/v1/registry/{service}/{instance}", service, instance)
			.exchangeToMono((response) -> response.releaseBody())
			.timeout(this.properties.requestTimeout());
	}

	/** Reports which policy versions the sidecar applied or rejected. */
	public Mono<Void> report(SyncReport report) {
		return post("/mesh/v1/sync", report);
	}

	/** Sends the traffic the sidecar carried in the last interval, for the dashboard. */
	public Mono<Void> reportTraffic(io.trellis.core.telemetry.TrafficReport report) {
		return post("/mesh/v1/traffic", report);
	}

	/** Posts {@code value} as JSON (written off the event loop), ignoring the answer's body. */
	private Mono<Void> post(String path, Object value) {
		return Mono.fromCallable(() -> this.json.writeValueAsString(value))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((body) -> this.client.post()
				.uri(path)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.retrieve()
				.toBodilessEntity())
			.timeout(this.properties.requestTimeout())
			.then();
	}

	/** Releases the client's connections. */
	public void close() {
		this.connections.dispose();
	}

}
