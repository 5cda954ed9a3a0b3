package io.trellis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free loopback ports for processes a test starts; never hands out the same port twice. */
public final class Ports {

	private static final Set<Integer> GIVEN = new HashSet<>();

	private Ports() {
	}

	public static synchronized int free() {
		for (int attempt = 0; attempt < 50; attempt++) {
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				socket.setReuseAddress(true);
				int port = socket.getLocalPort();
				if (GIVEN.add(port)) {
					return port;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		throw new IllegalStateException("No free port found");
	}

}
