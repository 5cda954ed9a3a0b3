package io.trellis.configserver.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.cloud.config.server.environment.NativeEnvironmentProperties;
import org.springframework.cloud.config.server.environment.NativeEnvironmentRepository;
import org.springframework.core.env.StandardEnvironment;

/**
 * A policy directory for tests: writes policy files and builds a {@link PolicyStore} over
 * Config Server's real directory backend pointed at it.
 */
public final class PolicyDirectory {

	private final Path dir;

	public PolicyDirectory(Path dir) {
		this.dir = dir;
	}

	public Path path() {
		return this.dir;
	}

	/** The search location Config Server is given for this directory. */
	public String searchLocation() {
		return searchLocation(this.dir);
	}

	/** The search location Config Server is given for directory {@code dir}. */
	public static String searchLocation(Path dir) {
		return "file:" + dir.toAbsolutePath() + "/";
	}

	public NativeEnvironmentRepository repository() {
		return repository(searchLocation());
	}

	public NativeEnvironmentRepository repository(String searchLocation) {
		NativeEnvironmentProperties properties = new NativeEnvironmentProperties();
		properties.setSearchLocations(new String[] { searchLocation });
		return new NativeEnvironmentRepository(new StandardEnvironment(), properties, ObservationRegistry.NOOP);
	}

	public PolicyStore store(Clock clock) {
		NativeEnvironmentRepository repository = repository();
		return new PolicyStore(() -> repository, clock);
	}

	public Path write(String fileName, String content) {
		try {
			return Files.writeString(this.dir.resolve(fileName), content, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Writes the policy that several tests start from: defaults in {@code application.yml},
	 * and a file each for {@code orders} and {@code payments}.
	 */
	public void writeOrdersAndPayments() {
		write("application.yml", "mesh.policy.timeout: 5s\n");
		write("orders.yml", "mesh.policy.timeout: 2s\n");
		write("payments.yml", "mesh.policy.timeout: 1s\n");
	}

	public void delete(String fileName) {
		try {
			Files.delete(this.dir.resolve(fileName));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
