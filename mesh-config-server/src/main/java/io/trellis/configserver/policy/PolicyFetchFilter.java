package io.trellis.configserver.policy;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.trellis.core.policy.ServiceNames;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers the request every sidecar makes after each policy change, {@code GET
 * {prefix}/{service}/{profiles}} with a JSON answer, from the served version's JSON written
 * once, instead of through Spring MVC, Config Server's controller and a serialization per
 * request. When a policy change reaches a thousand sidecars they all fetch the same version
 * within a few hundred milliseconds; on one core that per-request machinery was most of the
 * propagation time.
 * <p>
 * The body is what Config Server's Environment API answers for that request (the same
 * {@link Environment}, written by the application's JSON mapper): the repository behind it
 * ({@link ValidatedEnvironmentRepository}) serves one environment per service whatever the
 * profiles. Every other request, including labelled ones, the {@code v2} media type, the
 * {@code .yml}/{@code .properties} forms, bad service names and empty environments, goes on
 * to Config Server unchanged.
 */
public class PolicyFetchFilter extends OncePerRequestFilter {

	/** Most services whose answer is kept; beyond it the cache starts over. */
	static final int MAX_CACHED = 10_000;

	/**
	 * Most bytes of answers kept (a replaced answer still counts); beyond it the cache starts over. An answer for a policy of
	 * 100 routes is about 40 KB: 10,000 of them would not fit the control plane's heap.
	 */
	static final long MAX_CACHED_BYTES = 32L * 1024 * 1024;

	private final AtomicLong cachedBytes = new AtomicLong();

	private final PolicyStore store;

	private final JsonMapper json;

	private final String prefix;

	private final Map<String, Cached> cache = new ConcurrentHashMap<>();

	/**
	 * @param store the policy served
	 * @param json the mapper Spring MVC writes JSON with
	 * @param prefix Config Server's prefix ({@code spring.cloud.config.server.prefix}), such as
	 * {@code /config}
	 */
	public PolicyFetchFilter(PolicyStore store, JsonMapper json, String prefix) {
		this.store = store;
		this.json = json;
		this.prefix = normalize(prefix);
	}

	/** The prefix as a path: one leading slash, no trailing one, empty for none. */
	public static String normalize(String prefix) {
		String normalized = (prefix != null) ? prefix.strip() : "";
		while (normalized.endsWith("/")) {
			normalized = normalized.substring(0, normalized.length() - 1);
		}
		if (!normalized.isEmpty() && !normalized.startsWith("/")) {
			normalized = "/" + normalized;
		}
		return normalized;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String service = fastPathService(request);
		Cached answer = (service != null) ? answer(service) : null;
		if (answer == null) {
			chain.doFilter(request, response);
			return;
		}
		response.setStatus(HttpServletResponse.SC_OK);
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		response.setContentLength(answer.body.length);
		response.getOutputStream().write(answer.body);
	}

	/** The service asked for when the request is one this filter answers, else null. */
	String fastPathService(HttpServletRequest request) {
		if (!"GET".equals(request.getMethod()) || request.getQueryString() != null || !acceptsJson(request)) {
			return null;
		}
		String path = request.getRequestURI();
		String context = request.getContextPath();
		if (context != null && !context.isEmpty()) {
			if (!path.startsWith(context)) {
				return null;
			}
			path = path.substring(context.length());
		}
		if (!path.startsWith(this.prefix) || path.length() <= this.prefix.length() + 1
				|| path.charAt(this.prefix.length()) != '/') {
			return null;
		}
		String rest = path.substring(this.prefix.length() + 1);
		int slash = rest.indexOf('/');
		if (slash <= 0 || slash == rest.length() - 1) {
			return null;
		}
		String service = rest.substring(0, slash);
		String profiles = rest.substring(slash + 1);
		// Only plain names: labels, file forms and anything encoded are Config Server's.
		if (profiles.indexOf('/') >= 0 || profiles.indexOf('.') >= 0 || profiles.indexOf('%') >= 0
				|| profiles.indexOf(';') >= 0) {
			return null;
		}
		if (!PolicyStore.DEFAULTS.equals(service) && !ServiceNames.isValid(service)) {
			return null;
		}
		return service;
	}

	private static boolean acceptsJson(HttpServletRequest request) {
		String accept = request.getHeader("Accept");
		if (accept == null || accept.isBlank()) {
			return true;
		}
		boolean json = false;
		try {
			for (MediaType type : MediaType.parseMediaTypes(accept)) {
				if (type.getQualityValue() == 0) {
					continue;
				}
				if (type.getSubtype().contains("spring-cloud.config-server")) {
					// Config Server's own media types (v2 with origins) are its to answer.
					return false;
				}
				json |= type.includes(MediaType.APPLICATION_JSON);
			}
		}
		catch (RuntimeException ex) {
			// A malformed Accept header is Config Server's to answer.
			return false;
		}
		return json;
	}

	/** The answer for the version served now, written once per version; null to let Config Server answer. */
	private Cached answer(String service) {
		String version = this.store.version(service);
		Cached cached = this.cache.get(service);
		if (cached != null && cached.version.equals(version)) {
			return cached;
		}
		Environment environment = this.store.environment(service);
		if (environment.getPropertySources().isEmpty() || environment.getVersion() == null) {
			// Config Server answers 404 for an empty environment.
			return null;
		}
		cached = new Cached(environment.getVersion(), this.json.writeValueAsBytes(environment));
		if (this.cache.size() >= MAX_CACHED
				|| this.cachedBytes.addAndGet(cached.body.length) > MAX_CACHED_BYTES) {
			this.cache.clear();
			this.cachedBytes.set(cached.body.length);
		}
		this.cache.put(service, cached);
		return cached;
	}

	private record Cached(String version, byte[] body) {
	}

}
