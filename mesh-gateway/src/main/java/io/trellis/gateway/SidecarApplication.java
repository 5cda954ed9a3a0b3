package io.trellis.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * The Trellis sidecar: Spring Cloud Gateway on Reactor Netty, with its beans from
 * {@code SidecarAutoConfiguration}; nothing is component-scanned.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class SidecarApplication {

	public static void main(String[] args) {
		SpringApplication.run(SidecarApplication.class, args);
	}

}
