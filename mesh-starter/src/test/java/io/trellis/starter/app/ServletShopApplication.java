package io.trellis.starter.app;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * A servlet (Tomcat) application that calls the mesh service {@code orders} with RestClient
 * ({@code /checkout}) and with RestTemplate ({@code /checkout-template}).
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ServletShopApplication {

	/** Registered as a member class of the configuration. */
	@RestController
	static class CheckoutController {

		private final RestClient orders;

		private final RestTemplate ordersTemplate;

		CheckoutController(RestClient.Builder builder, RestTemplateBuilder templateBuilder) {
			this.orders = builder.build();
			this.ordersTemplate = templateBuilder.build();
		}

		@GetMapping("/checkout")
		String checkout() {
			return this.orders.get().uri("http://orders/items?x=1").retrieve().body(String.class);
		}

		@GetMapping("/checkout-template")
		String checkoutWithTemplate() {
			return this.ordersTemplate.getForObject("http://orders/items?x=1", String.class);
		}

	}

}
