package io.trellis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import tools.jackson.databind.JsonNode;

import static org.awaitility.Awaitility.await;

/** Writes policy files the way a person edits them, and reads what the control plane serves. */
public final class PolicyFiles {

	private PolicyFiles() {
	}

	public static void write(Path dir, String service, String yaml) {
		try {
			Files.writeString(dir.resolve(service + ".yml"), yaml);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The control plane's record of a service: served version, validity and errors. */
	public static JsonNode status(MeshCluster.ControlPlane controlPlane, String service) {
		JsonNode report = HttpCall.get(controlPlane.url() + "/mesh/v1/policy").json();
		for (JsonNode entry : report.get("services")) {
			if (service.equals(entry.get("service").asString())) {
				return entry;
			}
		}
		return null;
	}

	/**
	 * Writes a policy file and waits until the control plane serves a new version of it and
	 * every given sidecar runs that version.
	 * @return the new version
	 */
	public static String writeAndAwait(MeshCluster.ControlPlane controlPlane, Path dir, String service, String yaml,
			Sidecar... sidecars) {
		JsonNode before = status(controlPlane, service);
		String previous = (before != null) ? before.get("version").asString() : null;
		String previousContent = null;
		try {
			Path file = dir.resolve(service + ".yml");
			previousContent = Files.isRegularFile(file) ? Files.readString(file) : null;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		write(dir, service, yaml);
		if (!yaml.equals(previousContent)) {
			await("control plane serves a new version of " + service).atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> {
					JsonNode now = status(controlPlane, service);
					return now != null && now.get("valid").asBoolean()
							&& !now.get("version").asString().equals(previous);
				});
		}
		String version = null;
		for (Sidecar sidecar : sidecars) {
			version = awaitApplied(controlPlane, sidecar, service);
		}
		return version;
	}

	/** Waits until the sidecar runs the version the control plane serves for the service. */
	public static String awaitApplied(MeshCluster.ControlPlane controlPlane, Sidecar sidecar, String service) {
		String[] version = new String[1];
		await(sidecar + " applies policy of " + service).atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> {
				JsonNode status = status(controlPlane, service);
				JsonNode policy = sidecar.mesh().path("policies").path(service);
				version[0] = (status != null) ? status.get("version").asString() : null;
				return version[0] != null && version[0].equals(policy.path("version").asString(null));
			});
		return version[0];
	}

}
