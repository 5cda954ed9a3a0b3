package io.trellis.samples.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./mesh validate DIR}: its exit status and what it prints, on the samples and on broken files. */
class ValidateCommandTests {

	private final StringWriter out = new StringWriter();

	private final StringWriter err = new StringWriter();

	@Test
	void theSamplePolicyIsValid() {
		assertThat(run(samplePolicy().toString())).as(this.err.toString()).isZero();
		assertThat(this.out.toString()).contains("valid", "services: catalog, inventory, orders");
	}

	@Test
	void anInvalidFileExitsOneNamingFileLineFieldAndReason(@TempDir Path dir) throws IOException {
		for (String name : new String[] { "application.yml", "orders.yml", "catalog.yml", "inventory.yml" }) {
			Files.copy(samplePolicy().resolve(name), dir.resolve(name));
		}
		Files.writeString(dir.resolve("catalog.yml"), """
				mesh:
				  policy:
				    routes:
				      - match: { path: { regex: "/items/(" } }
				        to: [ { weight: 1 } ]
				""");
		assertThat(run(dir.toString())).isEqualTo(1);
		assertThat(this.err.toString()).contains("1 error(s)", "catalog.yml:4:",
				"mesh.policy.routes[0].match.path.regex", "not a valid regular expression");
	}

	@Test
	void aLargeRepositoryIsSummedUpNotListed(@TempDir Path dir) throws IOException {
		for (int i = 0; i < 30; i++) {
			Files.writeString(dir.resolve("svc-" + i + ".yml"), "mesh.policy.timeout: 2s\n");
		}
		assertThat(run(dir.toString())).as(this.err.toString()).isZero();
		assertThat(this.out.toString()).contains("valid (30 files; 30 services: svc-0, svc-1, ")
			.contains(", ...)")
			.doesNotContain("svc-9,");
	}

	@Test
	void aDirectoryWithoutPolicyExitsTwo(@TempDir Path dir) {
		assertThat(run(dir.toString())).isEqualTo(2);
		assertThat(this.err.toString()).contains("holds no policy file");
		assertThat(run(dir.resolve("missing").toString())).isEqualTo(2);
		assertThat(this.err.toString()).contains("is not a directory");
	}

	private int run(String... args) {
		CommandLine cli = new CommandLine(new MeshCli());
		cli.setOut(new PrintWriter(this.out));
		cli.setErr(new PrintWriter(this.err));
		String[] all = new String[args.length + 1];
		all[0] = "validate";
		System.arraycopy(args, 0, all, 1, args.length);
		return cli.execute(all);
	}

	private static Path samplePolicy() {
		Path here = Path.of("").toAbsolutePath();
		for (Path dir = here; dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("samples/policy"))) {
				return dir.resolve("samples/policy");
			}
		}
		throw new IllegalStateException("samples/policy not found above " + here);
	}

}
