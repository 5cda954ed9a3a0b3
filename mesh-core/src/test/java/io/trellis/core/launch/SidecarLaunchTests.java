package io.trellis.core.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SidecarLaunchTests {

	@TempDir
	Path home;

	private final Path java = Path.of("/jdk/bin/java");

	private final Path jar = Path.of("/repo/mesh-gateway/target/mesh-gateway-exec.jar");

	@Test
	void optionsFileAllowsSeveralOptionsALineAndComments() {
		assertThat(SidecarLaunch.parseOptions(List.of("# comment", "-XX:+UseSerialGC  -Xmx96m", "", "  -Xss512k # stack",
				"\t")))
			.containsExactly("-XX:+UseSerialGC", "-Xmx96m", "-Xss512k");
	}

	@Test
	void unpreparedSidecarRunsTheExecutableJarWithTheOptionsFile() throws Exception {
		writeOptions();
		assertThat(SidecarLaunch.prepared(this.home)).isFalse();
		assertThat(SidecarLaunch.command(this.home, this.java, this.jar, List.of("-XX:TieredStopAtLevel=1")))
			.containsExactly("/jdk/bin/java", "-XX:+UseSerialGC", "-Xmx96m", "-XX:TieredStopAtLevel=1", "-jar",
					this.jar.toString());
	}

	@Test
	void preparedSidecarRunsTheExtractedJarWithTheArgumentFileAndExtraOptionsLast() throws Exception {
		writeOptions();
		Path arguments = this.home.resolve(SidecarLaunch.ARGUMENT_FILE);
		Files.createDirectories(arguments.getParent());
		Files.writeString(arguments, "-XX:+UseSerialGC\n-XX:SharedArchiveFile=x.jsa\n");
		assertThat(SidecarLaunch.prepared(this.home)).as("argument file without the extracted jar").isFalse();
		Files.writeString(this.home.resolve(SidecarLaunch.EXTRACTED_JAR), "");
		assertThat(SidecarLaunch.prepared(this.home)).isTrue();
		assertThat(SidecarLaunch.command(this.home, this.java, this.jar, List.of("-Xmx64m")))
			.containsExactly("/jdk/bin/java", "@" + arguments.toAbsolutePath(), "-Xmx64m", "-jar",
					this.home.resolve(SidecarLaunch.EXTRACTED_JAR).toAbsolutePath().toString());
	}

	@Test
	void missingOptionsFileIsNamed() {
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> SidecarLaunch.command(this.home, this.java, this.jar, List.of()))
			.withMessageContaining("sidecar.jvm.options");
	}

	private void writeOptions() throws Exception {
		Path options = this.home.resolve(SidecarLaunch.OPTIONS_FILE);
		Files.createDirectories(options.getParent());
		Files.writeString(options, "# JVM options\n-XX:+UseSerialGC\n-Xmx96m\n");
	}

}
