package io.trellis.gateway.route;

import reactor.core.publisher.Mono;

/** Learns a destination's policy and endpoints the first time it is called. */
@FunctionalInterface
public interface ServiceLoader {

	/**
	 * Loads, compiles and applies the service's policy and endpoints.
	 * @return the compiled service, or an error naming why it cannot be reached
	 */
	Mono<CompiledService> load(String service);

}
