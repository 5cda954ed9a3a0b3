package io.trellis.starter.client;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.deadline.MeshDeadline;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Sends {@code WebClient} calls to mesh services through the local sidecar, the same way as
 * {@link MeshClientHttpRequestInterceptor}: to the sidecar's outbound listener, with the
 * destination in {@code x-trellis-destination}, and what is left of the deadline of the
 * request being handled ({@link MeshDeadline}, from the Reactor context or the calling thread).
 * Does no I/O of its own, so it is safe on an event loop.
 */
public class MeshExchangeFilterFunction implements ExchangeFilterFunction {

	private final MeshRouting routing;

	private final CalledServices calledServices;

	public MeshExchangeFilterFunction(MeshRouting routing, CalledServices calledServices) {
		this.routing = routing;
		this.calledServices = calledServices;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		MeshRoute route = this.routing.route(request.url());
		if (route == null) {
			return next.exchange(request);
		}
		this.calledServices.record(route.service());
		Long threadDeadline = MeshDeadline.current();
		return Mono.deferContextual((context) -> {
			Long deadline = MeshDeadline.current(context);
			Long effective = (deadline != null) ? deadline : threadDeadline;
			ClientRequest sidecarRequest = ClientRequest.from(request)
				.url(route.sidecarUri())
				.headers((headers) -> {
					headers.set(MeshHeaders.DESTINATION, route.destination());
					if (effective != null) {
						headers.set(MeshHeaders.TIMEOUT, MeshDeadline.header(effective));
					}
				})
				.build();
			return next.exchange(sidecarRequest);
		});
	}

}
