package io.trellis.gateway.route;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.netty.util.AsciiString;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.util.MultiValueMap;

/**
 * The Netty header map behind Spring's {@link HttpHeaders} view of it, so that the data path can
 * walk a request's or response's headers entry by entry. Spring's view lists them by name: every
 * {@code headerSet()}, {@code forEach} or {@code get} builds a set of the names and a list of each
 * name's values, which on the sidecar's path was about a twelfth of what the event loop allocated
 * per request (bench/RESULTS.md, "Request headers without Spring's name set").
 * <p>
 * Spring's {@link Netty4HeadersAdapter} does not hand out the map it wraps, so it is read from
 * the adapter's field. Should a Spring release rename that field, {@link #available()} turns
 * false (a test fails on it) and every caller takes its slower, view-based path: nothing breaks.
 */
final class NettyHeaders {

	private static final VarHandle WRAPPED = wrapped();

	private NettyHeaders() {
	}

	/**
	 * The Netty map that {@code headers} is a view of, or {@code null} when it is not a view of
	 * one (Spring's own maps, read-only wrappers) or the map cannot be read.
	 */
	static io.netty.handler.codec.http.HttpHeaders of(HttpHeaders headers) {
		MultiValueMap<String, String> map = headers.asMultiValueMap();
		if (WRAPPED != null && map instanceof Netty4HeadersAdapter adapter) {
			return (io.netty.handler.codec.http.HttpHeaders) WRAPPED.get(adapter);
		}
		return null;
	}

	/**
	 * The Netty map behind {@code headers} for looking up only, also through a read-only view
	 * (Spring hands the request's headers out read-only; {@code new HttpHeaders(view)} reaches
	 * the map behind it): never to be edited, as the read-only view promises. Null when there is
	 * no Netty map behind them.
	 */
	static io.netty.handler.codec.http.HttpHeaders readable(HttpHeaders headers) {
		io.netty.handler.codec.http.HttpHeaders netty = of(headers);
		if (netty == null && headers.getClass() != HttpHeaders.class) {
			netty = of(new HttpHeaders(headers));
		}
		return netty;
	}

	/**
	 * The first value of the header {@code name} in {@code headers}, looked up in the Netty map
	 * behind them when there is one: by a Netty name, whose hash is kept and which compares to
	 * the map's names byte by byte, where a lookup through Spring's view hashes and compares a
	 * {@code String} every time.
	 */
	static String first(HttpHeaders headers, AsciiString name) {
		io.netty.handler.codec.http.HttpHeaders netty = readable(headers);
		return (netty != null) ? netty.get(name) : headers.getFirst(name.toString());
	}

	/** Whether the Netty map behind Spring's view can be read in this runtime. */
	static boolean available() {
		return WRAPPED != null;
	}

	private static VarHandle wrapped() {
		try {
			return MethodHandles.privateLookupIn(Netty4HeadersAdapter.class, MethodHandles.lookup())
				.findVarHandle(Netty4HeadersAdapter.class, "headers", io.netty.handler.codec.http.HttpHeaders.class);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			Log log = LogFactory.getLog(NettyHeaders.class);
			log.warn("Headers are copied through Spring's view of Netty's header maps, which costs more per "
					+ "request: this Spring release's Netty4HeadersAdapter has no readable 'headers' field (" + ex
					+ ")");
			return null;
		}
	}

}
