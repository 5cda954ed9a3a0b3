package io.trellis.gateway.route;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's hop-by-hop header filter without its cost on the common path. Spring Cloud
 * Gateway's filter copies every header of every request and response into a new map to drop the
 * few hop-by-hop ones. This one looks the hop-by-hop names up first (a handful of hashed lookups)
 * and, when one is there, removes them in place from headers the gateway already copied (the
 * upstream response's, straight from the Netty map behind them), copying only the request's own
 * read-only headers. What it removes is
 * exactly what the gateway's removes: the configured names
 * ({@code spring.cloud.gateway.server.webflux.filter.remove-hop-by-hop.headers}) and those the
 * {@code Connection} header lists. {@link GatewayFilterReplacements} puts it in the place of the
 * gateway's bean.
 */
public class HopByHopHeadersFilter extends RemoveHopByHopHeadersFilter {

	/** The configured names as Netty names, which keep their hash, for the set they were made from. */
	private volatile Names names;

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.of(input);
		io.netty.handler.codec.http.HttpHeaders lookup = (netty != null) ? netty : NettyHeaders.readable(input);
		if (lookup != null) {
			// Looked up in the Netty map itself (also behind the request's read-only view) by names
			// whose hash is computed once, not per lookup.
			Names names = names();
			if (!lookup.contains(HttpHeaderNames.CONNECTION) && !containsAny(lookup, names.ascii())) {
				return input;
			}
			if (netty != null && input != exchange.getRequest().getHeaders()) {
				removeHopByHop(netty, names.ascii(), names.set());
				return input;
			}
		}
		else if (!input.containsHeader(HttpHeaders.CONNECTION) && !containsAny(input, getHeaders())) {
			return input;
		}
		if (netty == null && input != exchange.getRequest().getHeaders()) {
			try {
				List<String> listed = input.getConnection();
				for (String name : getHeaders()) {
					input.remove(name);
				}
				for (String name : listed) {
					input.remove(name);
				}
				return input;
			}
			catch (UnsupportedOperationException ex) {
				// read-only headers of someone else's: copy them, as the gateway does
			}
		}
		return super.filter(input, exchange);
	}

	/**
	 * Removes from a Netty map (the upstream response's copy) the hop-by-hop names and those its
	 * {@code Connection} headers list, reading the list from the map's values in place rather
	 * than from Spring's per-name value lists.
	 */
	static void removeHopByHop(io.netty.handler.codec.http.HttpHeaders headers, Set<String> names) {
		removeHopByHop(headers, Names.of(names).ascii(), names);
	}

	private static void removeHopByHop(io.netty.handler.codec.http.HttpHeaders headers, AsciiString[] ascii,
			Set<String> names) {
		List<String> listed = null;
		Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
		while (values.hasNext()) {
			String value = values.next();
			int start = 0;
			while (true) {
				int comma = value.indexOf(',', start);
				int end = (comma < 0) ? value.length() : comma;
				String token = (start == 0 && end == value.length()) ? value.trim() : value.substring(start, end).trim();
				if (!token.isEmpty() && !"close".equalsIgnoreCase(token)
						&& !names.contains(token.toLowerCase(Locale.ROOT))) {
					if (listed == null) {
						listed = new ArrayList<>(2);
					}
					listed.add(token);
				}
				if (comma < 0) {
					break;
				}
				start = comma + 1;
			}
		}
		for (AsciiString name : ascii) {
			headers.remove(name);
		}
		if (listed != null) {
			for (String name : listed) {
				headers.remove(name);
			}
		}
	}

	private static boolean containsAny(io.netty.handler.codec.http.HttpHeaders headers, AsciiString[] names) {
		for (AsciiString name : names) {
			if (headers.contains(name)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The configured names as Netty names, made again whenever the configured set is another
	 * set or has changed size (binding replaces it; nothing edits it in place after start).
	 */
	private Names names() {
		Set<String> configured = getHeaders();
		Names names = this.names;
		if (names == null || names.set() != configured || names.ascii().length != configured.size()) {
			names = Names.of(configured);
			this.names = names;
		}
		return names;
	}

	private record Names(Set<String> set, AsciiString[] ascii) {

		static Names of(Set<String> set) {
			AsciiString[] ascii = new AsciiString[set.size()];
			int i = 0;
			for (String name : set) {
				ascii[i++] = AsciiString.cached(name);
			}
			return new Names(set, ascii);
		}

	}

	private static boolean containsAny(HttpHeaders headers, Set<String> names) {
		for (String name : names) {
			if (headers.containsHeader(name)) {
				return true;
			}
		}
		return false;
	}

}
