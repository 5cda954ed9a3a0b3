package io.trellis.gateway.route;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import io.netty.handler.codec.http.HttpMethod;
import io.trellis.core.http.MeshHeaders;
import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.policy.Mirror;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.loadbalancer.ServiceBalancer;
import io.trellis.gateway.metrics.MeshMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.LinkedMultiValueMap;

/**
 * Sends mirrored copies of requests (dark traffic), fire and forget, over a connection pool of
 * their own: a copy's answer is read and dropped, its latency and failure never reach the
 * caller. Bounded so a slow or dead mirror cannot exhaust memory or connections: at most
 * {@value #MAX_IN_FLIGHT} copies in flight per sidecar (more are dropped, not queued), each
 * given up after the route's timeout, and bodies only up to {@value #MAX_BODY_BYTES} bytes of
 * declared length (a larger or streamed body is not copied).
 */
public class Mirrors implements DisposableBean {

	private static final Log logger = LogFactory.getLog(Mirrors.class);

	/** Most copies in flight at once in one sidecar. */
	public static final int MAX_IN_FLIGHT = 64;

	/** Largest body copied. */
	public static final long MAX_BODY_BYTES = 64 * 1024;

	private static final Set<String> NOT_COPIED = Set.of("host", "content-length", "transfer-encoding", "connection",
			"keep-alive", "te", "trailer", "upgrade", "proxy-connection", "expect");

	private static final LoadBalancing ROUND_ROBIN = new LoadBalancing(LoadBalancing.Type.ROUND_ROBIN,
			LoadBalancing.DEFAULT_DECAY, LoadBalancing.DEFAULT_RTT);

	private final MeshLoadBalancers balancers;

	private final Supplier<ServiceLoader> loader;

	private final MeshMetrics metrics;

	private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

	/** When following each mirror service was last asked for (nanoTime), so it is asked at most every 5 s. */
	private final Map<String, Long> followAsked = new java.util.concurrent.ConcurrentHashMap<>();

	private ConnectionProvider connections;

	private HttpClient client;

	/**
	 * @param balancers the balancers whose endpoints copies go to
	 * @param loader starts following a mirror service not called yet
	 * @param metrics counts copies by result
	 */
	public Mirrors(MeshLoadBalancers balancers, Supplier<ServiceLoader> loader, MeshMetrics metrics) {
		this.balancers = balancers;
		this.loader = loader;
		this.metrics = metrics;
	}

	private volatile io.trellis.gateway.tracing.SidecarTracing tracing;

	/**
	 * @param tracing puts the context of the request's span on its copies, so a copy's spans
	 * join the trace under the sidecar's span as the request's do; null when the sidecar does
	 * not trace
	 */
	public void setTracing(io.trellis.gateway.tracing.SidecarTracing tracing) {
		this.tracing = tracing;
	}

	/** Copies in flight now. */
	public int inFlight() {
		return MAX_IN_FLIGHT - this.inFlight.availablePermits();
	}

	/** Whether a body of this declared length (-1: streamed) can be copied. */
	public static boolean copiable(long length) {
		return length >= 0 && length <= MAX_BODY_BYTES;
	}

	/** Counts a request not copied because of its body. */
	public void skipped(Mirror mirror) {
		this.metrics.mirror(mirror.service(), "skipped");
	}

	/**
	 * Sends a copy of {@code request} (as the route sends it) to an endpoint of the mirror,
	 * without waiting for anything.
	 * @param original the service the request itself goes to, named in the marker header
	 * @param body the request's body, or null when it has none
	 * @param timeout how long the copy may take
	 */
	public void send(Mirror mirror, String original, ServerHttpRequest request, byte[] body, Duration timeout) {
		send(mirror, original, request, body, timeout, null);
	}

	/**
	 * As {@link #send(Mirror, String, ServerHttpRequest, byte[], Duration)}, for a request of
	 * {@code exchange}, whose trace context (when the sidecar traces) the copy carries.
	 */
	public void send(Mirror mirror, String original, ServerHttpRequest request, byte[] body, Duration timeout,
			org.springframework.web.server.ServerWebExchange exchange) {
		String target = mirror.service();
		ServiceInstance endpoint = choose(mirror);
		if (endpoint == null) {
			this.metrics.mirror(target, "no-endpoints");
			return;
		}
		if (!this.inFlight.tryAcquire()) {
			this.metrics.mirror(target, "dropped");
			return;
		}
		try {
			String query = request.getURI().getRawQuery();
			String url = "http://" + endpoint.getHost() + ":" + endpoint.getPort() + request.getURI().getRawPath()
					+ ((query != null) ? "?" + query : "");
			HttpHeaders headers = request.getHeaders();
			io.trellis.gateway.tracing.SidecarTracing tracing = this.tracing;
			if (tracing != null && exchange != null) {
				HttpHeaders traced = new HttpHeaders();
				traced.addAll(headers);
				tracing.inject(exchange, traced);
				headers = traced;
			}
			HttpHeaders sent = headers;
			client().headers((out) -> {
				sent.forEach((name, values) -> {
					if (!NOT_COPIED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
						out.add(name, values);
					}
				});
				out.set(io.netty.handler.codec.http.HttpHeaderNames.HOST, target);
				out.set(MeshHeaders.MIRROR, original);
			})
				.request(HttpMethod.valueOf(request.getMethod().name()))
				.uri(url)
				.send((req, out) -> (body == null || body.length == 0) ? out : out.sendByteArray(Mono.just(body)))
				.responseSingle((response, content) -> content.then(Mono.just(response.status().code())))
				.timeout(timeout)
				.doFinally((signal) -> this.inFlight.release())
				.subscribe((status) -> this.metrics.mirror(target, "answered"),
						(ex) -> this.metrics.mirror(target, "failed"));
		}
		catch (RuntimeException ex) {
			this.inFlight.release();
			this.metrics.mirror(target, "failed");
			logger.debug("Mirroring to " + target + " failed", ex);
		}
	}

	private ServiceInstance choose(Mirror mirror) {
		ServiceBalancer balancer = this.balancers.get(mirror.service());
		if (balancer.endpoints().isEmpty()) {
			// Not followed yet (a service this sidecar does not call itself): start following it.
			ServiceLoader loader = this.loader.get();
			long now = System.nanoTime();
			Long asked = this.followAsked.get(mirror.service());
			if (loader != null && (asked == null || now - asked > 5_000_000_000L)) {
				this.followAsked.put(mirror.service(), now);
				loader.load(mirror.service()).subscribe(null, (ex) -> logger.warn(
						"Cannot mirror to " + mirror.service() + ": " + ex.getMessage()));
			}
			return null;
		}
		Map<String, Object> attributes = new java.util.HashMap<>(4);
		attributes.put(MeshExchangeAttributes.LOAD_BALANCING_ATTR, ROUND_ROBIN);
		if (mirror.subset() != null) {
			attributes.put(MeshExchangeAttributes.SUBSET_ATTR, mirror.subset());
		}
		DefaultRequest<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(new RequestData(
				org.springframework.http.HttpMethod.GET, java.net.URI.create("http://" + mirror.service() + "/"),
				HttpHeaders.EMPTY, new LinkedMultiValueMap<>(), attributes)));
		Response<ServiceInstance> chosen = balancer.choose(request).block();
		return (chosen != null && chosen.hasServer()) ? chosen.getServer() : null;
	}

	private synchronized HttpClient client() {
		if (this.client == null) {
			this.connections = ConnectionProvider.builder("trellis-mirrors")
				.maxConnections(MAX_IN_FLIGHT)
				.pendingAcquireMaxCount(MAX_IN_FLIGHT)
				.maxIdleTime(Duration.ofSeconds(30))
				.build();
			this.client = HttpClient.create(this.connections).followRedirect(false);
		}
		return this.client;
	}

	@Override
	public synchronized void destroy() {
		if (this.connections != null) {
			this.connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

}
