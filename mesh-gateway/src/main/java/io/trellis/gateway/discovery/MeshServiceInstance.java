package io.trellis.gateway.discovery;

import java.net.URI;
import java.util.Map;

import org.springframework.cloud.client.DefaultServiceInstance;

/**
 * An endpoint of a service as the sidecar's registry hands it to Spring Cloud's load balancing:
 * Spring Cloud's own instance, which also holds the endpoint's origin ({@code http://host:port}
 * and {@code https://host:port}) parsed once, when the control plane reports the endpoint. A
 * request's URL at the endpoint is then that origin with the request's path and query
 * ({@link #origin}), and only the path and query are parsed per request, not the endpoint's
 * address (bench/RESULTS.md, "Request URLs on origins parsed once").
 */
public final class MeshServiceInstance extends DefaultServiceInstance {

	private final URI http;

	private final URI https;

	public MeshServiceInstance(String instanceId, String serviceId, String host, int port, boolean secure,
			Map<String, String> metadata) {
		super(instanceId, serviceId, host, port, secure, metadata);
		this.http = origin("http", host, port);
		this.https = origin("https", host, port);
	}

	/**
	 * The endpoint's origin for {@code scheme} ({@code http} or {@code https}): scheme, host (an
	 * IPv6 address in brackets) and port, no path. Null for other schemes, and when the address
	 * does not make a URI with a host (the caller then builds the URL whole, and fails as it did).
	 */
	public URI origin(String scheme) {
		return switch (scheme) {
			case "http" -> this.http;
			case "https" -> this.https;
			default -> null;
		};
	}

	private static URI origin(String scheme, String host, int port) {
		if (host == null || host.isEmpty() || port <= 0) {
			return null;
		}
		String bracketed = (host.indexOf(':') >= 0 && host.charAt(0) != '[') ? "[" + host + "]" : host;
		try {
			URI origin = new URI(scheme + "://" + bracketed + ":" + port);
			return (origin.getHost() != null && origin.getPort() == port) ? origin : null;
		}
		catch (java.net.URISyntaxException ex) {
			return null;
		}
	}

}
