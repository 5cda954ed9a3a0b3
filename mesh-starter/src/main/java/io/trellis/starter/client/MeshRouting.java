package io.trellis.starter.client;

import java.net.URI;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.trellis.core.policy.ServiceNames;
import org.jspecify.annotations.Nullable;

/**
 * Decides which outbound URLs are calls to mesh services and where on the local sidecar they
 * go. An {@code http} URL is a mesh call when its host is listed in the include hosts, or is
 * a single DNS label (no dot) that is neither {@code localhost} nor numeric; excluded hosts
 * and {@code https} URLs never are.
 */
public final class MeshRouting {

	private final String sidecarBase;

	private final Set<String> includeHosts;

	private final Set<String> excludeHosts;

	/**
	 * @param sidecarAddress address of the sidecar's outbound listener
	 * @param outboundPort port of the sidecar's outbound listener
	 * @param includeHosts hosts that are mesh services even though they contain dots
	 * @param excludeHosts hosts never sent through the sidecar
	 */
	public MeshRouting(String sidecarAddress, int outboundPort, Collection<String> includeHosts,
			Collection<String> excludeHosts) {
		String host = (sidecarAddress.indexOf(':') >= 0 && !sidecarAddress.startsWith("["))
				? "[" + sidecarAddress + "]" : sidecarAddress;
		this.sidecarBase = "http://" + host + ":" + outboundPort;
		this.includeHosts = normalize(includeHosts);
		this.excludeHosts = normalize(excludeHosts);
	}

	private static Set<String> normalize(Collection<String> hosts) {
		return hosts.stream()
			.map(String::trim)
			.filter((host) -> !host.isEmpty())
			.map((host) -> host.toLowerCase(Locale.ROOT))
			.collect(Collectors.toUnmodifiableSet());
	}

	/**
	 * The route of a call to {@code uri} through the sidecar, or {@code null} when the call
	 * does not go through the mesh.
	 */
	public @Nullable MeshRoute route(URI uri) {
		if (!"http".equalsIgnoreCase(uri.getScheme())) {
			return null;
		}
		// URI leaves the host null for authorities it cannot parse as a server (such as
		// names with '_'); those are not service names either.
		String host = uri.getHost();
		if (host == null) {
			return null;
		}
		String service = host.toLowerCase(Locale.ROOT);
		if (!isMeshHost(service)) {
			return null;
		}
		String destination = (uri.getPort() != -1) ? service + ":" + uri.getPort() : service;
		return new MeshRoute(service, destination, sidecarUri(uri));
	}

	private boolean isMeshHost(String host) {
		if (this.excludeHosts.contains(host)) {
			return false;
		}
		if (this.includeHosts.contains(host)) {
			return true;
		}
		// A purely numeric host can be an IPv4 address in integer form (http://2130706433/).
		return ServiceNames.isValid(host) && !"localhost".equals(host) && !isNumeric(host);
	}

	private static boolean isNumeric(String host) {
		return host.chars().allMatch(Character::isDigit);
	}

	private URI sidecarUri(URI uri) {
		String path = uri.getRawPath();
		String query = uri.getRawQuery();
		StringBuilder target = new StringBuilder(this.sidecarBase.length() + 64).append(this.sidecarBase);
		target.append((path == null || path.isEmpty()) ? "/" : path);
		if (query != null) {
			target.append('?').append(query);
		}
		return URI.create(target.toString());
	}

}
