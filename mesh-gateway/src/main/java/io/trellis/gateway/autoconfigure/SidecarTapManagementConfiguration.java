package io.trellis.gateway.autoconfigure;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.telemetry.TapHandler;
import io.trellis.gateway.telemetry.Taps;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** {@code GET /tap} on the admin listener ({@link TapHandler}). */
@ManagementContextConfiguration(proxyBeanMethods = false)
public class SidecarTapManagementConfiguration {

	@Bean
	RouterFunction<ServerResponse> meshTapRoute(Taps taps, SidecarProperties properties) {
		TapHandler handler = new TapHandler(properties.tap().enabled() ? taps : null);
		return RouterFunctions.route(RequestPredicates.GET("/tap"), handler::tap);
	}

}
