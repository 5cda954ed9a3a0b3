package io.trellis.core.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a sidecar JVM is launched from a Trellis checkout, the same way by {@code ./mesh sidecar},
 * {@code ./mesh demo} and {@code ./mesh bench}.
 * <p>
 * {@code ./mesh} prepares the sidecar once per build and JDK (see {@code docs/operations.md}):
 * it extracts the executable jar and records the classes the sidecar loads at start in a
 * class-data-sharing archive (JDK 17 to 24) or an AOT cache (JDK 25 and later), and writes a
 * java argument file {@value #ARGUMENT_FILE} with the JVM options and the archive. When that
 * file exists the sidecar is started with it from the extracted jar {@value #EXTRACTED_JAR};
 * otherwise from the executable jar with the options of {@value #OPTIONS_FILE}.
 */
public final class SidecarLaunch {

	/** The sidecar's JVM options, one or more a line, {@code #} starting a comment. */
	public static final String OPTIONS_FILE = "mesh-gateway/sidecar.jvm.options";

	/** The java argument file written by {@code ./mesh} when it prepares the sidecar. */
	public static final String ARGUMENT_FILE = "mesh-gateway/target/sidecar/java.args";

	/** The extracted sidecar jar (its libraries beside it in {@code lib/}). */
	public static final String EXTRACTED_JAR = "mesh-gateway/target/sidecar/sidecar.jar";

	private SidecarLaunch() {
	}

	/**
	 * The command line of a sidecar up to its application arguments.
	 * @param home the Trellis checkout
	 * @param java the java executable
	 * @param executableJar the sidecar's executable jar, used when the sidecar is not prepared
	 * @param extraOptions JVM options added after the defaults (they win where they repeat one)
	 * @return the command, to which the caller appends {@code --mesh.proxy.*} arguments
	 */
	public static List<String> command(Path home, Path java, Path executableJar, List<String> extraOptions) {
		List<String> command = new ArrayList<>();
		command.add(java.toString());
		if (prepared(home)) {
			command.add("@" + home.resolve(ARGUMENT_FILE).toAbsolutePath());
			command.addAll(extraOptions);
			command.add("-jar");
			command.add(home.resolve(EXTRACTED_JAR).toAbsolutePath().toString());
		}
		else {
			command.addAll(jvmOptions(home));
			command.addAll(extraOptions);
			command.add("-jar");
			command.add(executableJar.toString());
		}
		return command;
	}

	/** True when {@code ./mesh} prepared the sidecar (extracted, with a class archive). */
	public static boolean prepared(Path home) {
		return Files.isRegularFile(home.resolve(ARGUMENT_FILE)) && Files.isRegularFile(home.resolve(EXTRACTED_JAR));
	}

	/** The options of {@value #OPTIONS_FILE}. */
	public static List<String> jvmOptions(Path home) {
		Path file = home.resolve(OPTIONS_FILE);
		try {
			return parseOptions(Files.readAllLines(file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the sidecar's JVM options from " + file + ": " + ex.getMessage(),
					ex);
		}
	}

	static List<String> parseOptions(List<String> lines) {
		List<String> options = new ArrayList<>();
		for (String line : lines) {
			int comment = line.indexOf('#');
			String content = ((comment >= 0) ? line.substring(0, comment) : line).strip();
			if (!content.isEmpty()) {
				options.addAll(List.of(content.split("\\s+")));
			}
		}
		return options;
	}

}
