package io.trellis.samples.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The product catalog: a reactive (WebFlux) service that asks inventory, through the mesh
 * with a {@link WebClient}, how much of each product is in stock.
 */
@SpringBootApplication
@RestController
public class CatalogApplication {

	private final WebClient inventory;

	CatalogApplication(WebClient.Builder builder) {
		this.inventory = builder.baseUrl("http://inventory").build();
	}

	static final List<Map<String, Object>> PRODUCTS = List.of(product("tea-001", "Sencha green tea", 8.50),
			product("tea-002", "Assam black tea", 6.90), product("pot-001", "Cast iron teapot", 39.00),
			product("cup-001", "Porcelain cup", 12.00));

	public static void main(String[] args) {
		SpringApplication.run(CatalogApplication.class, args);
	}

	@GetMapping("/products")
	Mono<Map<String, Object>> products(@RequestHeader(name = "x-trellis-source", required = false) String caller) {
		return Flux.fromIterable(PRODUCTS).concatMap(this::withStock).collectList().map((products) -> {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("products", products);
			body.put("calledBy", caller);
			return body;
		});
	}

	@SuppressWarnings("unchecked")
	private Mono<Map<String, Object>> withStock(Map<String, Object> product) {
		return this.inventory.get()
			.uri("/stock/{sku}", product.get("sku"))
			.retrieve()
			.bodyToMono(Map.class)
			.map((stock) -> {
				Map<String, Object> withStock = new LinkedHashMap<>(product);
				withStock.put("available", stock.get("available"));
				withStock.put("stockCalledBy", stock.get("calledBy"));
				return withStock;
			});
	}

	private static Map<String, Object> product(String sku, String name, double price) {
		Map<String, Object> product = new LinkedHashMap<>();
		product.put("sku", sku);
		product.put("name", name);
		product.put("price", price);
		return product;
	}

}
