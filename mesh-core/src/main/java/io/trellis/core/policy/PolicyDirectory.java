package io.trellis.core.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Validates a directory of policy files offline, as the control plane would before serving
 * them: {@code application.yml} (the mesh-wide defaults) on its own, and each
 * {@code <service>.yml} merged over it. For {@code ./mesh validate DIR} and users' own CI.
 */
public final class PolicyDirectory {

	/** The base name of the mesh-wide defaults file. */
	public static final String DEFAULTS = "application";

	/** Extensions in precedence order, highest first (Spring Boot's: properties over YAML). */
	private static final List<String> EXTENSIONS = List.of(".properties", ".yml", ".yaml");

	private PolicyDirectory() {
	}

	/**
	 * Validates every policy file in {@code dir} (not its subdirectories).
	 * @return what was checked and every error found
	 * @throws IOException when the directory cannot be listed
	 */
	public static Report validate(Path dir) throws IOException {
		if (!Files.isDirectory(dir)) {
			throw new IOException(dir + " is not a directory");
		}
		Map<String, List<Path>> byService = new TreeMap<>();
		try (Stream<Path> files = Files.list(dir)) {
			files.filter(Files::isRegularFile)
				.filter((file) -> PolicyFiles.isPolicyFile(file.getFileName().toString()))
				.sorted((a, b) -> Integer.compare(rank(a), rank(b)))
				.forEach((file) -> byService
					.computeIfAbsent(PolicyFiles.serviceOf(file.getFileName().toString()), (s) -> new ArrayList<>())
					.add(file));
		}
		Set<PolicyError> errors = new LinkedHashSet<>();
		List<String> services = new ArrayList<>();
		List<PolicySource> defaults = read(byService.getOrDefault(DEFAULTS, List.of()), errors);
		if (defaults != null) {
			bind("default", defaults, errors);
		}
		for (Map.Entry<String, List<Path>> entry : byService.entrySet()) {
			String service = entry.getKey();
			if (DEFAULTS.equals(service)) {
				continue;
			}
			if (!ServiceNames.isValid(service)) {
				for (Path file : entry.getValue()) {
					errors.add(new PolicyError(file.getFileName().toString(), "(file name)", null, "'" + service
							+ "' is not a valid service name, so the control plane would not use this file: use "
							+ "lower-case letters, digits and '-', starting and ending with a letter or digit"));
				}
				continue;
			}
			services.add(service);
			List<PolicySource> own = read(entry.getValue(), errors);
			if (own != null && defaults != null) {
				List<PolicySource> sources = new ArrayList<>(own);
				sources.addAll(defaults);
				bind(service, sources, errors);
			}
		}
		int fileCount = byService.values().stream().mapToInt(List::size).sum();
		return new Report(dir, fileCount, List.copyOf(services), List.copyOf(errors));
	}

	private static int rank(Path file) {
		String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
		for (int i = 0; i < EXTENSIONS.size(); i++) {
			if (name.endsWith(EXTENSIONS.get(i))) {
				return i;
			}
		}
		return EXTENSIONS.size();
	}

	/** The sources of some files, highest precedence first, or null when one cannot be read. */
	private static List<PolicySource> read(List<Path> files, Set<PolicyError> errors) {
		List<PolicySource> sources = new ArrayList<>();
		boolean readable = true;
		for (Path file : files) {
			try {
				sources.addAll(PolicyFiles.read(file));
			}
			catch (PolicyException ex) {
				errors.addAll(ex.getErrors());
				readable = false;
			}
		}
		return readable ? sources : null;
	}

	private static void bind(String service, List<PolicySource> sources, Set<PolicyError> errors) {
		try {
			PolicyBinder.bind(service, sources);
		}
		catch (PolicyException ex) {
			errors.addAll(ex.getErrors());
		}
	}

	/**
	 * @param dir the directory validated
	 * @param files the policy files found
	 * @param services the services with a file of their own
	 * @param errors every error, each naming its file and field; an error in
	 * {@code application.yml} is reported once
	 */
	public record Report(Path dir, int files, List<String> services, List<PolicyError> errors) {

		public boolean valid() {
			return this.errors.isEmpty();
		}

	}

}
