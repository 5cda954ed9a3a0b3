package io.trellis.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar's own settings check themselves as they are bound: every bad value stops the
 * start with the property's name and what was wrong.
 */
class SidecarPropertiesTests {

	@Test
	void defaultsApplyWhenOnlyTheServiceAndAppPortAreSet() {
		SidecarProperties properties = bind(Map.of("mesh.proxy.service", "orders", "mesh.proxy.app.port", "8080"));
		assertThat(properties.app().host()).isEqualTo("127.0.0.1");
		assertThat(properties.inbound().port()).isEqualTo(15006);
		assertThat(properties.outbound().port()).isEqualTo(15001);
		assertThat(properties.admin().port()).isEqualTo(15000);
		assertThat(properties.controlPlane().uri()).hasToString("http://127.0.0.1:8888");
		assertThat(properties.controlPlane().watchWait()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void aMissingOrMalformedServiceNameIsNamed() {
		assertBindFails(Map.of("mesh.proxy.app.port", "8080"), "mesh.proxy.service must be set");
		assertBindFails(Map.of("mesh.proxy.service", "Orders_1", "mesh.proxy.app.port", "8080"),
				"mesh.proxy.service must be a DNS label", "'Orders_1'");
		assertBindFails(Map.of("mesh.proxy.service", "-orders", "mesh.proxy.app.port", "8080"),
				"mesh.proxy.service must be a DNS label");
	}

	@Test
	void portsOutOfRangeAreNamed() {
		assertBindFails(Map.of("mesh.proxy.service", "orders"), "mesh.proxy.app.port must be set");
		assertBindFails(Map.of("mesh.proxy.service", "orders", "mesh.proxy.app.port", "70000"),
				"mesh.proxy.app.port must be a port from 1 to 65535 but was 70000");
		assertBindFails(with("mesh.proxy.inbound.port", "-1"), "mesh.proxy.inbound.port must be a port from 0");
		assertBindFails(with("mesh.proxy.outbound.port", "65536"), "mesh.proxy.outbound.port must be a port from 0");
		assertBindFails(with("mesh.proxy.admin.port", "99999"), "mesh.proxy.admin.port must be a port from 0");
	}

	@Test
	void blankAddressesAndNonPositiveDurationsAreNamed() {
		assertBindFails(with("mesh.proxy.inbound.advertised-address", " "),
				"mesh.proxy.inbound.advertised-address must not be blank");
		assertBindFails(with("mesh.proxy.app.readiness-interval", "0s"),
				"mesh.proxy.app.readiness-interval must be a positive duration");
		assertBindFails(with("mesh.proxy.control-plane.watch-wait", "-5s"),
				"mesh.proxy.control-plane.watch-wait must be a positive duration");
		assertBindFails(with("mesh.proxy.control-plane.uri", "control-plane:8888"),
				"mesh.proxy.control-plane.uri must be an absolute http(s) URI");
	}

	@Test
	void telemetrySettingsHaveSafeDefaultsAndBadValuesAreNamed() {
		SidecarProperties properties = bind(with("mesh.proxy.app.port", "8080"));
		assertThat(properties.telemetry().metrics()).isTrue();
		assertThat(properties.accessLog().enabled()).isFalse();
		assertThat(properties.tap().enabled()).isTrue();
		assertThat(properties.tracing().enabled()).isFalse();
		assertBindFails(with("mesh.proxy.telemetry.report-interval", "-1s"),
				"mesh.proxy.telemetry.report-interval must be 0 or a positive duration");
		assertBindFails(with("mesh.proxy.telemetry.max-peers", "0"), "mesh.proxy.telemetry.max-peers must be from 1");
		assertBindFails(with("mesh.proxy.access-log.queue-size", "1"), "mesh.proxy.access-log.queue-size must be from 16");
		assertBindFails(with("mesh.proxy.tap.max-taps", "0"), "mesh.proxy.tap.max-taps must be from 1");
		assertBindFails(with("mesh.proxy.tap.buffer", "0"), "mesh.proxy.tap.buffer must be from 1");
		assertBindFails(with("mesh.proxy.tap.max-duration", "0s"), "mesh.proxy.tap.max-duration must be a positive");
		assertBindFails(with("mesh.proxy.tracing.sampling-probability", "1.5"),
				"mesh.proxy.tracing.sampling-probability must be from 0 to 1 but was 1.5");
		assertBindFails(with("mesh.proxy.tracing.zipkin-endpoint", "zipkin:9411"),
				"mesh.proxy.tracing.zipkin-endpoint must be an absolute http(s) URI");
	}

	@Test
	void theWatchdogIsOnByDefaultCanBeTurnedOffAndBadValuesAreNamed() {
		SidecarProperties properties = bind(with("mesh.proxy.app.port", "8080"));
		assertThat(properties.watchdog().interval()).isEqualTo(Duration.ofSeconds(1));
		assertThat(properties.watchdog().stuckAfter()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.watchdog().enabled()).isTrue();
		assertThat(bind(with("mesh.proxy.watchdog.stuck-after", "0")).watchdog().enabled()).isFalse();
		assertBindFails(with("mesh.proxy.watchdog.interval", "0s"),
				"mesh.proxy.watchdog.interval must be a positive duration");
		assertBindFails(with("mesh.proxy.watchdog.stuck-after", "-1s"),
				"mesh.proxy.watchdog.stuck-after must be 0 (off) or a positive duration");
		assertBindFails(with("mesh.proxy.watchdog.stuck-after", "500ms"),
				"mesh.proxy.watchdog.stuck-after (PT0.5S) must not be shorter than mesh.proxy.watchdog.interval (PT1S)");
	}

	@Test
	void theSidecarDoesNotStartWithABadValueAndSaysWhichOne() {
		SpringApplication application = new SpringApplication(SidecarApplication.class);
		application.setWebApplicationType(WebApplicationType.REACTIVE);
		assertThatThrownBy(() -> application.run("--mesh.proxy.service=orders", "--mesh.proxy.app.port=0",
				"--mesh.proxy.admin.port=0", "--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0"))
			.satisfies((ex) -> assertThat(causes(ex)).contains("mesh.proxy.app.port must be set"));
	}

	@Test
	void springBootsManagementServerPropertiesAreRefusedInFavourOfTheAdminListeners() {
		// They would start a management child context and server beside the admin listener.
		for (String property : new String[] { "management.server.port=0", "management.server.address=127.0.0.1" }) {
			SpringApplication application = new SpringApplication(SidecarApplication.class);
			application.setWebApplicationType(WebApplicationType.REACTIVE);
			String name = property.substring(0, property.indexOf('='));
			assertThatThrownBy(() -> application.run("--mesh.proxy.service=orders", "--mesh.proxy.app.port=8080",
					"--mesh.proxy.admin.port=0", "--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0",
					"--" + property))
				.satisfies((ex) -> assertThat(causes(ex)).contains(name + " is set",
						"set mesh.proxy.admin." + name.substring("management.server.".length()) + " instead"));
		}
	}

	private static Map<String, String> with(String name, String value) {
		Map<String, String> values = new HashMap<>(Map.of("mesh.proxy.service", "orders", "mesh.proxy.app.port", "8080"));
		values.put(name, value);
		return values;
	}

	private static SidecarProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(SidecarProperties.PREFIX,
				SidecarProperties.class);
	}

	private static void assertBindFails(Map<String, String> values, String... messages) {
		assertThatThrownBy(() -> bind(values)).isInstanceOf(BindException.class)
			.satisfies((ex) -> assertThat(causes(ex)).contains(messages));
	}

	private static String causes(Throwable ex) {
		StringBuilder messages = new StringBuilder();
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			messages.append(cause.getMessage()).append('\n');
		}
		return messages.toString();
	}

}
