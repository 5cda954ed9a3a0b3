package io.trellis.gateway.loadbalancer;

import java.net.URI;

import io.trellis.core.policy.Subset;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.route.MeshExchangeAttributes;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.LoadBalancerUriTools;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.addOriginalRequestUrl;

/**
 * Resolves {@code mesh://service} route URIs to one endpoint of the service, chosen by the
 * service's Spring Cloud LoadBalancer balancer among the endpoints of the subset the route
 * chose; the gateway's {@code lb://} filter does the same for Spring Cloud's own client
 * factory. No endpoint is a {@link MeshError#NO_ENDPOINTS} answer.
 */
public class MeshLoadBalancerFilter implements GlobalFilter, Ordered {

	/** The URI scheme of mesh routes. */
	public static final String SCHEME = "mesh";

	/** Where the gateway's own load-balancer filter runs. */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER;

	private static final MultiValueMap<String, String> NO_COOKIES = CollectionUtils
		.unmodifiableMultiValueMap(new LinkedMultiValueMap<>(0));

	private final MeshLoadBalancers balancers;

	public MeshLoadBalancerFilter(MeshLoadBalancers balancers) {
		this.balancers = balancers;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !SCHEME.equals(url.getScheme())) {
			return chain.filter(exchange);
		}
		addOriginalRequestUrl(exchange, url);
		String service = url.getHost();
		// Balancers get the request's method, URI, headers and attributes; its cookies are not
		// parsed for them (no Trellis balancer reads cookies).
		ServerHttpRequest original = exchange.getRequest();
		DefaultRequest<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(new RequestData(
				original.getMethod(), original.getURI(), original.getHeaders(), NO_COOKIES, exchange.getAttributes())));
		return this.balancers.get(service)
			.choose(request)
			.switchIfEmpty(Mono.error(() -> noEndpoints(exchange, service)))
			.flatMap((response) -> {
			if (!response.hasServer()) {
				return Mono.error(noEndpoints(exchange, service));
			}
			ServiceInstance instance = response.getServer();
			URI requestUrl = LoadBalancerUriTools.reconstructURI(instance, exchange.getRequest().getURI());
			exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, requestUrl);
			exchange.getAttributes().put(GATEWAY_LOADBALANCER_RESPONSE_ATTR, response);
			return chain.filter(exchange);
		});
	}

	private static MeshException noEndpoints(ServerWebExchange exchange, String service) {
		Subset subset = exchange.getAttribute(MeshExchangeAttributes.SUBSET_ATTR);
		String where = (subset != null) ? " in subset '" + subset.name() + "' " + subset.labels() : "";
		return new MeshException(MeshError.NO_ENDPOINTS, service, "Service " + service + " has no live endpoint" + where);
	}


}
