package io.trellis.gateway.loadbalancer;

import java.net.URI;
import java.util.List;

import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.policy.OutlierDetection;
import io.trellis.core.policy.Subset;
import io.trellis.gateway.discovery.MeshServiceInstance;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.policy.PolicyCompiler;
import io.trellis.gateway.route.MeshExchangeAttributes;
import io.trellis.gateway.route.RequestUrls;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.addOriginalRequestUrl;

/**
 * Resolves {@code mesh://service} route URIs to one endpoint of the service, chosen by the
 * service's Spring Cloud LoadBalancer balancer ({@link ServiceBalancer}) among the endpoints of
 * the subset the route chose, by the load balancing of the policy the route was compiled from;
 * the gateway's {@code lb://} filter does the same for Spring Cloud's own client factory. Each
 * request's outcome and latency go back to the balancer. No endpoint is a
 * {@link MeshError#NO_ENDPOINTS} answer.
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
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		LoadBalancing settings = (route != null
				&& route.getMetadata().get(PolicyCompiler.LOAD_BALANCING_METADATA) instanceof LoadBalancing routed)
						? routed : LoadBalancing.DEFAULT;
		exchange.getAttributes().put(MeshExchangeAttributes.LOAD_BALANCING_ATTR, settings);
		OutlierDetection detection = (route != null
				&& route.getMetadata().get(PolicyCompiler.OUTLIER_DETECTION_METADATA) instanceof OutlierDetection routed)
						? routed : OutlierDetection.DEFAULT;
		exchange.getAttributes().put(MeshExchangeAttributes.OUTLIER_DETECTION_ATTR, detection);
		ServerHttpRequest original = exchange.getRequest();
		DefaultRequest<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(new RequestData(
				original.getMethod(), original.getURI(), original.getHeaders(), NO_COOKIES, exchange.getAttributes())));
		ServiceBalancer balancer = this.balancers.get(service);
		return balancer.choose(request).flatMap((response) -> {
			if (!response.hasServer()) {
				return Mono.error(noEndpoints(exchange, service));
			}
			ServiceInstance instance = response.getServer();
			URI requestUrl = endpointUrl(instance, exchange.getRequest().getURI());
			exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, requestUrl);
			exchange.getAttributes().put(GATEWAY_LOADBALANCER_RESPONSE_ATTR, response);
			// The rest of the chain ends when the endpoint's response headers have arrived (the
			// body is written after, by a filter outside this one): that is the latency sample.
			ServiceBalancer.Call call = balancer.begin(instance, settings, detection);
			if (exchange.getAttribute(MeshExchangeAttributes.TRIED_ENDPOINTS_ATTR) instanceof List<?> tried) {
				@SuppressWarnings("unchecked")
				List<String> names = (List<String>) tried;
				names.add(ServiceBalancer.key(instance));
			}
			return chain.filter(exchange).doFinally((signal) -> {
				switch (signal) {
					case ON_COMPLETE -> call.responded(statusOf(exchange));
					case ON_ERROR -> call.failed();
					default -> call.cancelled();
				}
			});
		});
	}

	/**
	 * The URL a request for {@code original} is sent to at {@code instance}: its scheme (https
	 * when the endpoint is secure), host and port with the request's raw path and query, as
	 * Spring Cloud's {@code LoadBalancerUriTools.reconstructURI} makes it, but not rebuilt through
	 * a URI builder (nor asking the instance for its scheme, which Spring Cloud's default instance
	 * answers by building a URI of its own). For the registry's endpoints
	 * ({@link MeshServiceInstance}) it is the endpoint's origin, parsed when the endpoint was
	 * reported, with the request's path and query ({@link RequestUrls#onOrigin}): only those are
	 * parsed per request. Other instances, and paths a relative reference cannot carry as they are
	 * (empty, or starting with {@code //}), get the URL appended as text and parsed whole.
	 */
	static URI endpointUrl(ServiceInstance instance, URI original) {
		String scheme = (original.getScheme() != null) ? original.getScheme() : "http";
		if (instance.isSecure()) {
			scheme = switch (scheme) {
				case "http" -> "https";
				case "ws" -> "wss";
				default -> scheme;
			};
		}
		if (instance instanceof MeshServiceInstance endpoint) {
			URI origin = endpoint.origin(scheme);
			URI url = (origin != null) ? RequestUrls.onOrigin(origin, original) : null;
			if (url != null) {
				return url;
			}
		}
		String host = instance.getHost();
		if (host.indexOf(':') >= 0 && host.charAt(0) != '[') {
			host = "[" + host + "]";
		}
		int port = instance.getPort();
		if (port < 0) {
			port = ("https".equals(scheme) || "wss".equals(scheme)) ? 443 : 80;
		}
		String path = original.getRawPath();
		String query = original.getRawQuery();
		return URI.create(scheme + "://" + host + ":" + port + ((path != null) ? path : "")
				+ ((query != null) ? "?" + query : ""));
	}

	private static int statusOf(ServerWebExchange exchange) {
		org.springframework.http.HttpStatusCode status = exchange.getResponse().getStatusCode();
		return (status != null) ? status.value() : 200;
	}

	private static MeshException noEndpoints(ServerWebExchange exchange, String service) {
		Subset subset = exchange.getAttribute(MeshExchangeAttributes.SUBSET_ATTR);
		String where = (subset != null) ? " in subset '" + subset.name() + "' " + subset.labels() : "";
		return new MeshException(MeshError.NO_ENDPOINTS, service, "Service " + service + " has no live endpoint" + where);
	}


}
