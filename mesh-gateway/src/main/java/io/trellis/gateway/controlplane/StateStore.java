package io.trellis.gateway.controlplane;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.trellis.core.policy.PolicySource;
import io.trellis.core.registry.Endpoint;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sidecar's last policy and endpoints on disk, so it can start and serve while the control
 * plane is down (fail static). Written whole to a temporary file and moved into place, so a
 * crash mid-write never leaves a torn file.
 */
public class StateStore {

	private static final Log logger = LogFactory.getLog(StateStore.class);

	/** The file format; a file of another format is ignored. */
	public static final int FORMAT = 1;

	private final Path file;

	private final JsonMapper json;

	public StateStore(Path file, JsonMapper json) {
		this.file = file;
		this.json = json;
	}

	public Path getFile() {
		return this.file;
	}

	/** Writes the state. Blocking: call it off the event loops. */
	public void save(State state) throws IOException {
		Path dir = this.file.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path temp = Files.createTempFile(dir, this.file.getFileName().toString(), ".tmp");
		try {
			// Streamed: the state of a sidecar following many services is tens of megabytes,
			// and a byte array of it would go straight to the old generation at each save.
			try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 64 * 1024)) {
				this.json.writeValue(out, state);
			}
			try {
				Files.move(temp, this.file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temp, this.file, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	/** Reads the state, or null when there is none or it cannot be used (logged). Blocking. */
	public State load() {
		if (!Files.isRegularFile(this.file)) {
			return null;
		}
		try {
			State state = this.json.readValue(this.file.toFile(), State.class);
			if (state.format() != FORMAT) {
				logger.warn("Ignoring state file " + this.file + ": format " + state.format() + ", expected " + FORMAT);
				return null;
			}
			return state;
		}
		catch (RuntimeException ex) {
			logger.warn("Ignoring unreadable state file " + this.file + ": " + ex.getMessage());
			return null;
		}
	}

	/**
	 * What the sidecar persists.
	 * @param format the file format
	 * @param service the local service
	 * @param savedAt when it was written
	 * @param services per service, its last applied policy and endpoints
	 */
	public record State(int format, String service, Instant savedAt, Map<String, ServiceState> services) {

		public State {
			services = (services != null) ? Map.copyOf(services) : Map.of();
		}

	}

	/**
	 * One service's persisted state.
	 * @param policyVersion the applied policy version, or null
	 * @param sources the applied policy's sources
	 * @param endpointsVersion the endpoint set version, or -1
	 * @param endpoints the endpoints
	 */
	public record ServiceState(String policyVersion, List<PolicySource> sources, long endpointsVersion,
			List<Endpoint> endpoints) {

		public ServiceState {
			sources = (sources != null) ? List.copyOf(sources) : List.of();
			endpoints = (endpoints != null) ? List.copyOf(endpoints) : List.of();
		}

	}

}
