package io.trellis.samples.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./mesh demo --zipkin}: where Zipkin listens and what the demo refuses without its jar. */
class DemoCommandTests {

	@Test
	void zipkinListensOn9411PlusThePortOffsetAndIsCheckedOnlyWhenAskedFor() {
		Topology topology = Topology.sample(100);
		assertThat(topology.zipkinPort()).isEqualTo(9511);
		assertThat(topology.ports(true)).contains(9511);
		assertThat(topology.ports(false)).doesNotContain(9511);
	}

	@Test
	void zipkinServesOnLoopbackWithBoundedInMemoryStorage() {
		assertThat(DemoCommand.zipkinArgs(9411)).contains("--armeria.ports[0].port=9411",
				"--armeria.ports[0].ip=127.0.0.1", "--zipkin.storage.type=mem",
				"--zipkin.storage.mem.max-spans=" + DemoCommand.ZIPKIN_MAX_SPANS);
	}

	@Test
	void zipkinWithoutAServerJarIsRefusedWithAHint(@TempDir Path home) {
		assertThat(System.getProperty("mesh.zipkin.jar")).isNull();
		PrintStream err = System.err;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try {
			int status = new CommandLine(new DemoCommand()).execute("--zipkin", "--home", home.toString());
			assertThat(status).isEqualTo(2);
		}
		finally {
			System.setErr(err);
		}
		assertThat(captured.toString(StandardCharsets.UTF_8)).contains("No Zipkin server jar", "--zipkin-jar");
	}

	@Test
	void aMissingZipkinJarIsNamed(@TempDir Path home) {
		PrintStream err = System.err;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try {
			int status = new CommandLine(new DemoCommand()).execute("--zipkin", "--zipkin-jar",
					home.resolve("zipkin.jar").toString(), "--home", home.toString());
			assertThat(status).isEqualTo(2);
		}
		finally {
			System.setErr(err);
		}
		assertThat(captured.toString(StandardCharsets.UTF_8)).contains("Not built yet", "zipkin.jar");
	}

}
