package io.trellis.samples.orders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestTemplate;

/**
 * Orders: a servlet service run in two versions (v1 and v2, set by {@code orders.version}),
 * which calls inventory through the mesh with a {@link RestTemplate}. Version 2 adds a
 * delivery estimate, so the canary is visible in the answer.
 */
@SpringBootApplication
@RestController
public class OrdersApplication {

	private final RestTemplate inventory;

	private final String version;

	private final AtomicLong ids = new AtomicLong(1000);

	OrdersApplication(RestTemplate inventory, @Value("${orders.version:v1}") String version) {
		this.inventory = inventory;
		this.version = version;
	}

	public static void main(String[] args) {
		SpringApplication.run(OrdersApplication.class, args);
	}

	@Bean
	static RestTemplate inventoryClient(RestTemplateBuilder builder) {
		return builder.rootUri("http://inventory").build();
	}

	@GetMapping("/orders/recent")
	Map<String, Object> recent(@RequestHeader(name = "x-trellis-source", required = false) String caller) {
		List<Map<String, Object>> items = new ArrayList<>();
		for (String sku : List.of("tea-001", "pot-001")) {
			@SuppressWarnings("unchecked")
			Map<String, Object> stock = this.inventory.getForObject("/stock/{sku}", Map.class, sku);
			Map<String, Object> item = new LinkedHashMap<>();
			item.put("sku", sku);
			item.put("quantity", 1);
			item.put("available", (stock != null) ? stock.get("available") : null);
			items.add(item);
		}
		Map<String, Object> order = new LinkedHashMap<>();
		order.put("id", this.ids.incrementAndGet());
		order.put("version", this.version);
		order.put("items", items);
		if ("v2".equals(this.version)) {
			order.put("estimatedDelivery", "2 days");
		}
		order.put("calledBy", caller);
		return order;
	}

}
