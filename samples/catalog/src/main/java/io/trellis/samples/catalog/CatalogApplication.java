package io.trellis.samples.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** The product catalog: a reactive (WebFlux) service that calls nobody. */
@SpringBootApplication
@RestController
public class CatalogApplication {

	static final List<Map<String, Object>> PRODUCTS = List.of(product("tea-001", "Sencha green tea", 8.50),
			product("tea-002", "Assam black tea", 6.90), product("pot-001", "Cast iron teapot", 39.00),
			product("cup-001", "Porcelain cup", 12.00));

	public static void main(String[] args) {
		SpringApplication.run(CatalogApplication.class, args);
	}

	@GetMapping("/products")
	Mono<Map<String, Object>> products(@RequestHeader(name = "x-trellis-source", required = false) String caller) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("products", PRODUCTS);
		body.put("calledBy", caller);
		return Mono.just(body);
	}

	private static Map<String, Object> product(String sku, String name, double price) {
		Map<String, Object> product = new LinkedHashMap<>();
		product.put("sku", sku);
		product.put("name", name);
		product.put("price", price);
		return product;
	}

}
