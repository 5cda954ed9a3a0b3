package io.trellis.starter.app;

import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/** A reactive (Netty) application that calls the mesh service {@code orders} with WebClient. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ReactiveShopApplication {

	/** Registered as a member class of the configuration. */
	@RestController
	static class CheckoutController {

		private final WebClient orders;

		CheckoutController(WebClient.Builder builder) {
			this.orders = builder.build();
		}

		@GetMapping("/checkout")
		Mono<String> checkout() {
			return this.orders.get().uri("http://orders/items?x=1").retrieve().bodyToMono(String.class);
		}

	}

}
