package io.trellis.starter.client;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.deadline.MeshDeadline;
import java.io.IOException;
import java.net.URI;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.support.HttpRequestWrapper;

/**
 * Sends {@code RestClient} and {@code RestTemplate} calls to mesh services through the local
 * sidecar: {@code http://orders:8080/items?x=1} is sent to the sidecar's outbound listener as
 * {@code /items?x=1} with {@code x-trellis-destination: orders:8080}.
 * <p>
 * The destination travels in a header rather than in {@code Host} because the JDK
 * {@code HttpClient}, one of the request factories Spring Boot may choose, refuses a {@code Host}
 * set by hand; a header works the same with every factory.
 * <p>
 * A call made while handling a request that carried a deadline carries what is left of it
 * ({@link MeshDeadline}).
 */
public class MeshClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

	private final MeshRouting routing;

	private final CalledServices calledServices;

	public MeshClientHttpRequestInterceptor(MeshRouting routing, CalledServices calledServices) {
		this.routing = routing;
		this.calledServices = calledServices;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		MeshRoute route = this.routing.route(request.getURI());
		if (route == null) {
			return execution.execute(request, body);
		}
		this.calledServices.record(route.service());
		return execution.execute(new SidecarRequest(request, route), body);
	}

	/**
	 * The request as the sidecar must see it. Headers are copied so that an interceptor
	 * earlier in the chain that executes the original request again (a retry) still holds it
	 * unchanged.
	 */
	private static final class SidecarRequest extends HttpRequestWrapper {

		private final URI uri;

		private final HttpHeaders headers;

		SidecarRequest(HttpRequest request, MeshRoute route) {
			super(request);
			this.uri = route.sidecarUri();
			this.headers = HttpHeaders.copyOf(request.getHeaders());
			this.headers.set(MeshHeaders.DESTINATION, route.destination());
			Long deadline = MeshDeadline.current();
			if (deadline != null) {
				this.headers.set(MeshHeaders.TIMEOUT, MeshDeadline.header(deadline));
			}
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.headers;
		}

	}

}
