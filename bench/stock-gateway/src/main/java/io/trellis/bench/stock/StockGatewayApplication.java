package io.trellis.bench.stock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Spring Cloud Gateway as it comes, with one route from configuration
 * ({@code bench.upstream}): the baseline the benchmarks compare the sidecar with.
 */
@SpringBootApplication
public class StockGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(StockGatewayApplication.class, args);
	}

}
