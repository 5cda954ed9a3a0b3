package io.trellis.gateway.route;

import io.trellis.core.policy.RouteMatch;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A request as route matches see it: its method, raw path, first header values and first
 * (decoded) query parameter values, each read only when a match asks for it.
 */
public final class RequestMatchView implements RouteMatch.RequestView {

	private final ServerHttpRequest request;

	public RequestMatchView(ServerHttpRequest request) {
		this.request = request;
	}

	@Override
	public String method() {
		return this.request.getMethod().name();
	}

	@Override
	public String path() {
		return this.request.getPath().pathWithinApplication().value();
	}

	@Override
	public String header(String name) {
		return this.request.getHeaders().getFirst(name);
	}

	@Override
	public String queryParam(String name) {
		java.util.List<String> values = this.request.getQueryParams().get(name);
		if (values == null || values.isEmpty()) {
			return null;
		}
		// '?preview' has the parameter with no value: present, and empty.
		String first = values.get(0);
		return (first != null) ? first : "";
	}

}
