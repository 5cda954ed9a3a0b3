package io.trellis.starter.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.trellis.core.policy.ServiceNames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the Trellis starter: where the local sidecar listens, how long startup
 * waits for it, and which outbound URLs are sent through it.
 * <p>
 * The record validates itself as well as carrying Bean Validation constraints: most
 * applications have no Bean Validation provider, and a bad port must still fail startup with
 * the property named rather than surface later as a refused connection.
 *
 * @param enabled Whether the starter sends outbound HTTP through the sidecar, waits for it at
 * startup and reports its health. When false the application runs as if the starter were
 * absent; only /actuator/mesh remains, reporting the mesh as disabled.
 * @param serviceName Name of this application's service in the mesh. Defaults to
 * spring.application.name.
 * @param sidecar Where the local sidecar listens and how startup waits for it.
 * @param client Which outbound URLs go through the sidecar.
 * @param tracing How the application's traces are exported, beyond Spring Boot's own
 * management.tracing properties.
 */
@ConfigurationProperties(MeshProperties.PREFIX)
@Validated
public record MeshProperties(@DefaultValue("true") boolean enabled, @Nullable String serviceName,
		@DefaultValue @Valid Sidecar sidecar, @DefaultValue @Valid Client client,
		@DefaultValue @Valid Tracing tracing) implements Validator {

	/** Prefix of the starter's properties. */
	public static final String PREFIX = "mesh";

	/**
	 * The service name: {@code mesh.service-name} when set, else the given
	 * {@code spring.application.name} (which may be {@code null}).
	 */
	public @Nullable String serviceNameOr(@Nullable String applicationName) {
		return (this.serviceName != null && !this.serviceName.isBlank()) ? this.serviceName : applicationName;
	}

	@Override
	public boolean supports(Class<?> type) {
		return MeshProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		MeshProperties properties = (MeshProperties) target;
		String serviceName = properties.serviceName();
		if (serviceName != null && !serviceName.isBlank() && !ServiceNames.isValid(serviceName)) {
			reject(errors, "serviceName", PREFIX + ".service-name '" + serviceName
					+ "' is not a valid service name: use lower-case letters, digits and '-', "
					+ "starting and ending with a letter or digit, at most 63 characters");
		}
		Sidecar sidecar = properties.sidecar();
		if (sidecar.address() == null || sidecar.address().isBlank()) {
			reject(errors, "sidecar.address", PREFIX + ".sidecar.address must not be blank");
		}
		checkPort(errors, "sidecar.outboundPort", "outbound-port", sidecar.outboundPort());
		checkPort(errors, "sidecar.adminPort", "admin-port", sidecar.adminPort());
		if (sidecar.startupTimeout() == null || sidecar.startupTimeout().isNegative()) {
			reject(errors, "sidecar.startupTimeout",
					PREFIX + ".sidecar.startup-timeout must be zero (no wait) or positive");
		}
		checkHosts(errors, "client.includeHosts", "include-hosts", properties.client().includeHosts());
		checkHosts(errors, "client.excludeHosts", "exclude-hosts", properties.client().excludeHosts());
	}

	private static void checkHosts(Errors errors, String field, String property, List<String> hosts) {
		for (int i = 0; i < hosts.size(); i++) {
			String host = hosts.get(i);
			// Hosts are compared with a URL's host alone; an entry with a scheme, port or path
			// would silently never match.
			if (host == null || host.isBlank() || host.contains(":") || host.contains("/")) {
				reject(errors, field + "[" + i + "]", PREFIX + ".client." + property + "[" + i + "] '" + host
						+ "' must be a host name, without scheme, port or path");
			}
		}
	}

	private static void checkPort(Errors errors, String field, String property, int port) {
		if (port < 1 || port > 65535) {
			reject(errors, field,
					PREFIX + ".sidecar." + property + " must be between 1 and 65535 but was " + port);
		}
	}

	private static void reject(Errors errors, String field, String message) {
		// A Bean Validation provider, when present, has already reported this field; say it once.
		if (!errors.hasFieldErrors(field)) {
			errors.rejectValue(field, "mesh.invalid", message);
		}
	}

	/**
	 * Where the local sidecar listens and how startup waits for it.
	 *
	 * @param address Address of the sidecar's outbound and admin listeners.
	 * @param outboundPort Port of the sidecar's outbound listener, which takes this
	 * application's calls to other mesh services.
	 * @param adminPort Port of the sidecar's admin listener (/actuator/health,
	 * /actuator/mesh).
	 * @param startupTimeout Maximum time startup waits for the sidecar to report healthy
	 * before the application becomes ready. Zero disables the wait.
	 * @param failOnStartupTimeout Whether startup fails when the sidecar is not healthy
	 * within the startup timeout. When false, a warning is logged and startup continues.
	 */
	public record Sidecar(@DefaultValue("127.0.0.1") @NotBlank String address,
			@DefaultValue("15001") @Min(1) @Max(65535) int outboundPort,
			@DefaultValue("15000") @Min(1) @Max(65535) int adminPort,
			@DefaultValue("30s") Duration startupTimeout, @DefaultValue("false") boolean failOnStartupTimeout) {

	}

	/**
	 * Which outbound URLs go through the sidecar. By default an {@code http} URL does when
	 * its host is a single DNS label (no dot) other than {@code localhost}; {@code https} URLs
	 * never do.
	 *
	 * @param includeHosts Further hosts that are mesh services even though they contain
	 * dots, such as "orders.shop". Only http URLs are sent through the sidecar.
	 * @param excludeHosts Hosts that are never sent through the sidecar, even when they look
	 * like mesh services. Wins over include-hosts.
	 * @param propagateDeadline Whether calls made while handling a request that carried a
	 * deadline (x-trellis-timeout-ms, set by the sidecar) carry what is left of it, so the
	 * next sidecar can refuse a call that can no longer be answered in time.
	 */
	public record Client(@DefaultValue List<String> includeHosts, @DefaultValue List<String> excludeHosts,
			@DefaultValue("true") boolean propagateDeadline) {

	}

	/**
	 * How the application's traces are exported, beyond Spring Boot's own
	 * {@code management.tracing.*} properties.
	 *
	 * @param exportActuatorTraces Whether traces that requests to actuator endpoints start
	 * (the sidecar's readiness check every second, health probes, metrics scrapes) are
	 * exported. Actuator requests that arrive as part of a trace are exported either way.
	 */
	public record Tracing(@DefaultValue("false") boolean exportActuatorTraces) {

	}

}
