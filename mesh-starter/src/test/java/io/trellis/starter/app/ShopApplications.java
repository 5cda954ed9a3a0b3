package io.trellis.starter.app;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** Launches the test applications on random ports with the given properties. */
public final class ShopApplications {

	private ShopApplications() {
	}

	/** A builder for the servlet application or the reactive one. */
	public static SpringApplicationBuilder builder(WebApplicationType type, String... properties) {
		Class<?> application = switch (type) {
			case SERVLET -> ServletShopApplication.class;
			case REACTIVE -> ReactiveShopApplication.class;
			default -> throw new IllegalArgumentException(type.toString());
		};
		return new SpringApplicationBuilder(application).web(type)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.application.name=shop",
					"spring.reactor.netty.shutdown-quiet-period=0s", "spring.main.banner-mode=off")
			.properties(properties);
	}

}
