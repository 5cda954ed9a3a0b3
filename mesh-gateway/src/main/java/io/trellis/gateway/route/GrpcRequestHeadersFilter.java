package io.trellis.gateway.route;

import org.springframework.cloud.gateway.filter.headers.GRPCRequestHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's gRPC request header filter (a gRPC request must carry {@code te: trailers}
 * upstream) without copying every header of every request that is not gRPC, which the gateway's
 * own does. {@link GatewayFilterReplacements} puts it in the place of the gateway's bean.
 */
public class GrpcRequestHeadersFilter extends GRPCRequestHeadersFilter {

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		if (!StringUtils.startsWithIgnoreCase(input.getFirst(HttpHeaders.CONTENT_TYPE), "application/grpc")) {
			return input;
		}
		// copyOf: new HttpHeaders(input) would be a writable view of the request's own headers
		HttpHeaders headers = (input == exchange.getRequest().getHeaders()) ? HttpHeaders.copyOf(input) : input;
		headers.add("te", "trailers");
		return headers;
	}

}
