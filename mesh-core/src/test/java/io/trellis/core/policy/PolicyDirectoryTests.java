package io.trellis.core.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class PolicyDirectoryTests {

	@TempDir
	Path dir;

	@Test
	void aValidDirectoryNamesItsServices() throws IOException {
		write("application.yml", "mesh.policy.timeout: 2s\n");
		write("orders.yml", "mesh.policy.retries.attempts: 1\n");
		write("catalog.properties", "mesh.policy.timeout=1s\n");
		write("README.md", "not policy\n");
		PolicyDirectory.Report report = PolicyDirectory.validate(this.dir);
		assertThat(report.valid()).isTrue();
		assertThat(report.files()).isEqualTo(3);
		assertThat(report.services()).containsExactly("catalog", "orders");
	}

	@Test
	void everyErrorNamesItsFileLineAndFieldAndDefaultsAreCheckedOnce() throws IOException {
		write("application.yml", "mesh.policy.timeout: forever\n");
		write("orders.yml", """
				mesh:
				  policy:
				    timeout: 2s
				    routes:
				      - match: { methods: [ FETCH ] }
				        to: [ { weight: 1 } ]
				""");
		write("inventory.yml", "mesh.policy: [ broken\n");
		write("Not_A_Service.yml", "mesh.policy.timeout: 1s\n");
		PolicyDirectory.Report report = PolicyDirectory.validate(this.dir);
		assertThat(report.valid()).isFalse();
		assertThat(report.errors()).extracting(PolicyError::toString)
			.anySatisfy((error) -> assertThat(error).startsWith("orders.yml:5:").contains(
					"mesh.policy.routes[0].match.methods[0]", "unknown method 'FETCH'"))
			.anySatisfy((error) -> assertThat(error).startsWith("inventory.yml").contains("cannot be read"))
			.anySatisfy((error) -> assertThat(error).startsWith("Not_A_Service.yml").contains("not a valid service name"));
		assertThat(report.errors().stream().filter((error) -> "application.yml".equals(error.file())))
			.as("the defaults' error, once").hasSize(1)
			.allSatisfy((error) -> assertThat(error.field()).isEqualTo("mesh.policy.timeout"));
	}

	@Test
	void aMissingDirectoryIsAnIoError() {
		assertThatIOException().isThrownBy(() -> PolicyDirectory.validate(this.dir.resolve("missing")))
			.withMessageContaining("is not a directory");
	}

	private void write(String name, String content) throws IOException {
		Files.writeString(this.dir.resolve(name), content);
	}

}
