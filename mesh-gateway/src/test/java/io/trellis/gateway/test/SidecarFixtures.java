package io.trellis.gateway.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

import io.trellis.core.policy.PolicySource;
import io.trellis.core.registry.Endpoint;

/** What the tests that run a sidecar in this JVM write into its state file, and free ports. */
public final class SidecarFixtures {

	private SidecarFixtures() {
	}

	/** A policy source from {@code key=value} lines. */
	public static PolicySource source(String name, String properties) {
		Map<String, Object> values = new LinkedHashMap<>();
		for (String line : properties.strip().split("\n")) {
			int equals = line.indexOf('=');
			values.put(line.substring(0, equals), line.substring(equals + 1));
		}
		return new PolicySource(name, values);
	}

	/** An endpoint on loopback labelled with {@code version}. */
	public static Endpoint endpoint(String id, int port, String version) {
		return new Endpoint(id, "127.0.0.1", port, Map.of("version", version));
	}

	/** A port nothing listens on at the moment. */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
