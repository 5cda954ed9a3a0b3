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
		// One event loop per core the process may use (Reactor Netty's default is at least
		// four, which on a sidecar pinned to one core only adds context switches).
		if (System.getProperty("reactor.netty.ioWorkerCount") == null) {
			System.setProperty("reactor.netty.ioWorkerCount",
					String.valueOf(Runtime.getRuntime().availableProcessors()));
		}
		SpringApplication.run(SidecarApplication.class, args);
	}

}
