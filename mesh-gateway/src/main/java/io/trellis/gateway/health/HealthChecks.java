package io.trellis.gateway.health;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.core.policy.HealthCheck;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.loadbalancer.ServiceBalancer;
import io.trellis.gateway.metrics.MeshMetrics;
import io.trellis.gateway.server.ControlLoop;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.DisposableBean;

/**
 * The active health checks of the destination services whose policy has them
 * ({@code mesh.policy.health-check}): one {@link HealthChecker} per such service, started,
 * changed or stopped as each applied policy says, over a connection pool of their own so a
 * check never waits behind (or takes a connection from) the data path, and in the sidecar on its
 * control thread ({@link ControlLoop}), not the event loop that proxies requests.
 */
public class HealthChecks implements DisposableBean {

	private final MeshLoadBalancers balancers;

	private final MeshMetrics metrics;

	/** Made when a first service's checks start. */
	private ConnectionProvider connections;

	private HttpClient client;

	private final Map<String, HealthChecker> checkers = new ConcurrentHashMap<>();

	private final ControlLoop loop;

	public HealthChecks(MeshLoadBalancers balancers, MeshMetrics metrics) {
		this(balancers, metrics, null);
	}

	/**
	 * @param balancers the balancers whose endpoints are checked
	 * @param metrics counts the checks' outcomes
	 * @param loop the thread the checks' I/O runs on, or null for Reactor Netty's shared event
	 * loops
	 */
	public HealthChecks(MeshLoadBalancers balancers, MeshMetrics metrics, ControlLoop loop) {
		this.balancers = balancers;
		this.metrics = metrics;
		this.loop = loop;
	}

	private synchronized HttpClient client() {
		if (this.client == null) {
			this.connections = ConnectionProvider.builder("trellis-health-checks")
				.maxConnections(256)
				.pendingAcquireMaxCount(-1)
				.maxIdleTime(Duration.ofSeconds(30))
				.build();
			HttpClient client = HttpClient.create(this.connections).followRedirect(false);
			this.client = (this.loop != null) ? this.loop.runOn(client) : client;
		}
		return this.client;
	}

	/** Applies a service's health check settings: starts, changes or stops its checks. */
	public void configure(String service, HealthCheck settings) {
		if (settings == null || !settings.enabled()) {
			HealthChecker stopped = this.checkers.remove(service);
			if (stopped != null) {
				stopped.dispose();
				ServiceBalancer balancer = this.balancers.find(service);
				if (balancer != null) {
					balancer.health(null);
				}
			}
			return;
		}
		this.checkers.compute(service, (name, existing) -> {
			if (existing != null) {
				existing.update(settings);
				return existing;
			}
			ServiceBalancer balancer = this.balancers.get(service);
			HealthChecker checker = new HealthChecker(service, settings, balancer, client(), this.metrics);
			balancer.health(checker);
			return checker.start();
		});
	}

	/** Whether the service's endpoints are checked now. */
	public boolean isChecking(String service) {
		return this.checkers.containsKey(service);
	}

	@Override
	public synchronized void destroy() {
		this.checkers.values().forEach(HealthChecker::dispose);
		this.checkers.clear();
		if (this.connections != null) {
			this.connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

}
