package io.trellis.gateway.route;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's routing filter with cheaper header handling, in its place
 * ({@link GatewayFilterReplacements}). It keeps the gateway's contract: it routes only
 * {@code http}/{@code https} request URLs not already routed, runs the gateway's header filters
 * on the request and on the response, honours the preserve-host attribute and the per-route
 * connect and response timeouts, and leaves the upstream's response, its connection, its
 * headers' names and content type in the exchange's attributes for {@link NettyWriteResponseFilter}
 * (which writes the body) and the filters after it. What it does differently, measured in
 * bench/RESULTS.md:
 * <ul>
 * <li>the request's filtered headers go straight into the request the client sends, read entry
 * by entry from the Netty map they are a view of (the gateway copies them into a map of its own,
 * then into the client's configuration, which copies them into the request);</li>
 * <li>the client's sender for each standard method is made once, not per request: each step of
 * Reactor Netty's fluent client configuration copies the whole configuration;</li>
 * <li>the response's headers are copied, as they arrived, into a Netty header map that the
 * response header filters then edit through Spring's {@link HttpHeaders} view, rather than one by
 * one into Spring's case-insensitive map, which lower-cases the name on every put and lookup;</li>
 * <li>the client is given the request URL as the {@link URI} the filters before built, which it
 * takes apart without parsing text again (the gateway hands it the URL as text).</li>
 * </ul>
 */
public class MeshRoutingFilter extends NettyRoutingFilter {

	private static final List<HttpMethod> STANDARD_METHODS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
			HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.TRACE);

	private final HttpClientProperties properties;

	private final HttpClient httpClient;

	/**
	 * The client's sender for each standard method, made once: each step of the client's fluent
	 * configuration copies its whole configuration, and a request needs only its URL added.
	 */
	private final Map<HttpMethod, HttpClient.RequestSender> senders;

	public MeshRoutingFilter(HttpClient httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
			HttpClientProperties properties) {
		super(httpClient, headersFilters, properties);
		this.properties = properties;
		this.httpClient = httpClient;
		Map<HttpMethod, HttpClient.RequestSender> senders = new HashMap<>();
		for (HttpMethod method : STANDARD_METHODS) {
			senders.put(method, httpClient.request(method));
		}
		this.senders = Map.copyOf(senders);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getRequiredAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		String scheme = url.getScheme();
		if (ServerWebExchangeUtils.isAlreadyRouted(exchange)
				|| !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
			return chain.filter(exchange);
		}
		ServerWebExchangeUtils.setAlreadyRouted(exchange);
		Route route = exchange.getRequiredAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders filtered = HttpHeadersFilter.filterRequest(getHeadersFilters(), exchange);
		String preservedHost = exchange.getAttributeOrDefault(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE,
				false) ? request.getHeaders().getFirst(HttpHeaders.HOST) : null;
		HttpMethod method = HttpMethod.valueOf(request.getMethod().name());
		HttpClient client = getHttpClient(route, exchange);
		HttpClient.RequestSender sender = (client == this.httpClient) ? this.senders.get(method) : null;
		if (sender == null) {
			sender = client.request(method);
		}
		sender = isAscii(url) ? sender.uri(url) : sender.uri(url.toASCIIString());
		Flux<HttpClientResponse> response = sender
			.send((clientRequest, outbound) -> {
				setRequestHeaders(filtered, clientRequest.requestHeaders(), preservedHost);
				return outbound.send(request.getBody().map(this::getByteBuf));
			})
			.responseConnection((clientResponse, connection) -> {
				received(exchange, clientResponse, connection);
				return Mono.just(clientResponse);
			});
		Duration responseTimeout = responseTimeout(route);
		if (responseTimeout != null) {
			response = response
				.timeout(responseTimeout,
						Mono.error(() -> new TimeoutException("Response took longer than timeout: " + responseTimeout)))
				.onErrorMap(TimeoutException.class,
						(ex) -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, ex.getMessage(), ex));
		}
		return response.then(chain.filter(exchange));
	}

	/**
	 * The filtered request headers into the request the client is about to send. By then the
	 * client has given that request its defaults for what its configuration lacks: a
	 * {@code Host} from the URL, a {@code User-Agent} and {@code Accept}, and chunked framing for a
	 * body whose length it does not know. Where the filtered headers have their own, the
	 * client's default goes (the client's framing when the request states its length or its
	 * framing); the rest are added ({@link #copyRequestHeaders}). The request's headers so end up
	 * as they would from the client's {@code headers(...)} configuration, without the copy of the
	 * whole configuration that each such call makes and the copy of the headers into the request.
	 */
	static void setRequestHeaders(HttpHeaders filtered, io.netty.handler.codec.http.HttpHeaders target,
			String preservedHost) {
		// In the Netty map behind the filtered headers when there is one (the usual case): Netty's
		// names keep their hash, which a lookup through Spring's view computes every time.
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.of(filtered);
		Predicate<AsciiString> present = (netty != null) ? netty::contains
				: (name) -> filtered.containsHeader(name.toString());
		if (present.test(HttpHeaderNames.USER_AGENT)) {
			target.remove(HttpHeaderNames.USER_AGENT);
		}
		if (present.test(HttpHeaderNames.ACCEPT)) {
			target.remove(HttpHeaderNames.ACCEPT);
		}
		if (present.test(HttpHeaderNames.CONTENT_LENGTH) || present.test(HttpHeaderNames.TRANSFER_ENCODING)) {
			target.remove(HttpHeaderNames.TRANSFER_ENCODING);
		}
		if (preservedHost != null) {
			target.remove(HttpHeaderNames.HOST);
		}
		copyRequestHeaders(filtered, target, preservedHost);
	}

	/**
	 * The filtered request headers into the client's, except {@code Host}: the client sets it
	 * from the URL unless the route preserves the caller's. Headers that are a view of a Netty map
	 * (the request's own, edited in place by {@link MeshHeadersFilter}: the usual case) are copied
	 * entry by entry from that map, each value once, in the order they arrived; others through
	 * Spring's view, name by name.
	 */
	static void copyRequestHeaders(HttpHeaders filtered, io.netty.handler.codec.http.HttpHeaders target,
			String preservedHost) {
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.of(filtered);
		if (netty != null) {
			Iterator<Map.Entry<CharSequence, CharSequence>> entries = netty.iteratorCharSequence();
			while (entries.hasNext()) {
				Map.Entry<CharSequence, CharSequence> header = entries.next();
				if (!HttpHeaderNames.HOST.contentEqualsIgnoreCase(header.getKey())) {
					target.add(header.getKey(), header.getValue());
				}
			}
		}
		else {
			for (Map.Entry<String, List<String>> header : filtered.headerSet()) {
				if (!HttpHeaders.HOST.equalsIgnoreCase(header.getKey())) {
					target.add(header.getKey(), header.getValue());
				}
			}
		}
		if (preservedHost != null) {
			target.add(HttpHeaders.HOST, preservedHost);
		}
	}

	private void received(ServerWebExchange exchange, HttpClientResponse clientResponse, Connection connection) {
		Map<String, Object> attributes = exchange.getAttributes();
		attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR, clientResponse);
		attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR, connection);
		ServerHttpResponse response = exchange.getResponse();
		io.netty.handler.codec.http.HttpHeaders received = clientResponse.responseHeaders();
		String contentType = received.get(HttpHeaderNames.CONTENT_TYPE);
		if (contentType != null && !contentType.isEmpty()) {
			attributes.put(ServerWebExchangeUtils.ORIGINAL_RESPONSE_CONTENT_TYPE_ATTR, contentType);
		}
		// The status before the header filters, which may look at it.
		response.setStatusCode(HttpStatusCode.valueOf(clientResponse.status().code()));
		HttpHeaders target = response.getHeaders();
		// Looked up in the Netty maps themselves where there are (the usual case), by Netty's
		// names, whose hash is computed once rather than on every lookup through Spring's view.
		io.netty.handler.codec.http.HttpHeaders out = NettyHeaders.of(target);
		if (out != null && holdsOnlyTheServersFraming(out)) {
			filterInto(exchange, received, out, target);
			return;
		}
		DefaultHttpHeaders copy = copyOf(received);
		HttpHeaders headers = new HttpHeaders(new Netty4HeadersAdapter(copy));
		HttpHeaders filtered = HttpHeadersFilter.filter(getHeadersFilters(), headers, exchange,
				HttpHeadersFilter.Type.RESPONSE);
		if (filtered == headers && out != null) {
			if (!copy.contains(HttpHeaderNames.TRANSFER_ENCODING) && copy.contains(HttpHeaderNames.CONTENT_LENGTH)) {
				// A length and a transfer encoding never go together.
				out.remove(HttpHeaderNames.TRANSFER_ENCODING);
			}
		}
		else if (!filtered.containsHeader(HttpHeaders.TRANSFER_ENCODING)
				&& filtered.containsHeader(HttpHeaders.CONTENT_LENGTH)
				&& target.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
			target.remove(HttpHeaders.TRANSFER_ENCODING);
		}
		if (filtered == headers) {
			// The filters edited the copy in place: its entries are added one by one, without the
			// per-name value lists that Spring's view of a Netty map makes.
			attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES, copy.names());
			if (out != null) {
				// the server's response map itself: names and values go in as they are, not as Strings
				Iterator<Map.Entry<CharSequence, CharSequence>> entries = copy.iteratorCharSequence();
				while (entries.hasNext()) {
					Map.Entry<CharSequence, CharSequence> header = entries.next();
					out.add(header.getKey(), header.getValue());
				}
			}
			else {
				for (Map.Entry<String, String> header : copy) {
					target.add(header.getKey(), header.getValue());
				}
			}
		}
		else {
			attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES, filtered.headerNames());
			target.addAll(filtered);
		}
	}

	/**
	 * Whether the server's response headers hold nothing yet but the framing its HTTP server
	 * starts every response with ({@code Transfer-Encoding: chunked}, until a length is known):
	 * then the upstream's headers can be filtered in that map itself.
	 */
	static boolean holdsOnlyTheServersFraming(io.netty.handler.codec.http.HttpHeaders out) {
		return out.isEmpty() || (out.size() == 1 && out.contains(HttpHeaderNames.TRANSFER_ENCODING));
	}

	/**
	 * The upstream's response headers into the server's response map, filtered there by the
	 * response header filters (the usual case: the server has set nothing of its own but its
	 * framing), rather than copied into a map of their own, filtered, and copied again. What
	 * arrived is left as it was. The server's framing is kept unless the filtered headers state
	 * a length or framing of their own, as when the headers are added to it. Should a filter
	 * hand back headers of its own instead of editing these, the map is set back to the server's
	 * framing and those are added.
	 */
	void filterInto(ServerWebExchange exchange, io.netty.handler.codec.http.HttpHeaders received,
			io.netty.handler.codec.http.HttpHeaders out, HttpHeaders target) {
		boolean chunked = out.contains(HttpHeaderNames.TRANSFER_ENCODING);
		out.clear();
		out.add(received);
		HttpHeaders filtered = HttpHeadersFilter.filter(getHeadersFilters(), target, exchange,
				HttpHeadersFilter.Type.RESPONSE);
		Map<String, Object> attributes = exchange.getAttributes();
		if (filtered == target) {
			attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES, out.names());
			if (chunked && !out.contains(HttpHeaderNames.TRANSFER_ENCODING)
					&& !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
				out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
			}
			return;
		}
		out.clear();
		if (chunked && (filtered.containsHeader(HttpHeaders.TRANSFER_ENCODING)
				|| !filtered.containsHeader(HttpHeaders.CONTENT_LENGTH))) {
			out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
		}
		attributes.put(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES, filtered.headerNames());
		target.addAll(filtered);
	}

	/** A writable copy of the upstream response's headers, in a Netty header map. */
	static DefaultHttpHeaders copyOf(io.netty.handler.codec.http.HttpHeaders received) {
		DefaultHttpHeaders copy = new DefaultHttpHeaders();
		copy.add(received);
		return copy;
	}

	/** A writable copy of the upstream response's headers, as Spring's view of a Netty header map. */
	static HttpHeaders responseHeaders(io.netty.handler.codec.http.HttpHeaders received) {
		return new HttpHeaders(new Netty4HeadersAdapter(copyOf(received)));
	}

	/**
	 * The route's response timeout ({@link RouteMetadataUtils#RESPONSE_TIMEOUT_ATTR} in
	 * milliseconds; negative for none), else the gateway's
	 * ({@code spring.cloud.gateway.server.webflux.httpclient.response-timeout}), else none.
	 */
	Duration responseTimeout(Route route) {
		Object value = route.getMetadata().get(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR);
		if (value != null) {
			try {
				long millis = (value instanceof Number number) ? number.longValue() : Long.parseLong(value.toString());
				return (millis >= 0) ? Duration.ofMillis(millis) : null;
			}
			catch (NumberFormatException ex) {
				// not a number: the gateway's own timeout applies, as in the gateway's filter
			}
		}
		return this.properties.getResponseTimeout();
	}

	private static boolean isAscii(URI url) {
		String text = url.toString();
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) >= 0x80) {
				return false;
			}
		}
		return true;
	}

}
