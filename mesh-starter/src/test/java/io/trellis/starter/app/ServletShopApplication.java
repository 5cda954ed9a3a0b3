package io.trellis.starter.app;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/** A servlet (Tomcat) application that calls the mesh service {@code orders} with RestClient. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ServletShopApplication {

	/** Registered as a member class of the configuration. */
	@RestController
	static class CheckoutController {

		private final RestClient orders;

		CheckoutController(RestClient.Builder builder) {
			this.orders = builder.build();
		}

		@GetMapping("/checkout")
		String checkout() {
			return this.orders.get().uri("http://orders/items?x=1").retrieve().body(String.class);
		}

	}

}
