package io.trellis.configserver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.config.server.EnableConfigServer;

/**
 * The Trellis control plane: a Spring Cloud Config Server that serves only validated policy,
 * plus the registry, the watch stream and sync status. Its beans come from
 * {@code ControlPlaneAutoConfiguration}; nothing is component-scanned.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableConfigServer
public class ControlPlaneApplication {

	public static void main(String[] args) {
		SpringApplication.run(ControlPlaneApplication.class, args);
	}

}
