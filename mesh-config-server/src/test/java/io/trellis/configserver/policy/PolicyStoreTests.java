package io.trellis.configserver.policy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.trellis.configserver.MutableClock;
import io.trellis.core.policy.PolicyError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.cloud.config.environment.PropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyStoreTests {

	private static final String VALID_ORDERS = """
			mesh:
			  policy:
			    timeout: 2s
			    subsets: { v1: { version: v1 }, v2: { version: v2 } }
			    routes:
			      - to: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]
			""";

	// The undefined subset is on line 5, column 25 (the value of 'subset').
	private static final String ORDERS_WITH_UNDEFINED_SUBSET = """
			mesh:
			  policy:
			    subsets: { v1: { version: v1 } }
			    routes:
			      - to: [ { subset: v3 } ]
			""";

	@TempDir
	Path dir;

	private PolicyDirectory policy;

	private final MutableClock clock = MutableClock.startingNow();

	private PolicyStore store;

	private final List<String> notified = new ArrayList<>();

	@BeforeEach
	void setUp() {
		this.policy = new PolicyDirectory(this.dir);
		this.policy.write("application.yml", "mesh.policy.timeout: 5s\n");
		this.store = this.policy.store(this.clock);
	}

	@Test
	void servesValidFileWithItsVersion() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();

		Environment environment = this.store.environment("orders");
		String version = this.store.version("orders");
		assertThat(version).matches("[0-9a-f]{12}");
		assertThat(environment.getName()).isEqualTo("orders");
		assertThat(environment.getVersion()).isEqualTo(version);
		assertThat(environment.getPropertySources()).extracting(PropertySource::getName)
			.satisfiesExactly((name) -> assertThat(name).endsWith("orders.yml"),
					(name) -> assertThat(name).endsWith("application.yml"));
		Map<?, ?> orders = environment.getPropertySources().get(0).getSource();
		assertThat(orders.get("mesh.policy.timeout")).isEqualTo("2s");
		assertThat(orders.get("mesh.policy.routes[0].to[0].weight")).isEqualTo(90);
		assertThat(this.store.hasOwnFile("orders")).isTrue();
		assertThat(status("orders")).satisfies((status) -> {
			assertThat(status.valid()).isTrue();
			assertThat(status.ownFile()).isTrue();
			assertThat(status.version()).isEqualTo(version);
			assertThat(status.errors()).isEmpty();
			assertThat(status.rejectedVersion()).isNull();
		});
	}

	@Test
	void servedEnvironmentIsACopyCallersCannotChange() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		Environment first = this.store.environment("orders");
		@SuppressWarnings("unchecked")
		Map<Object, Object> source = (Map<Object, Object>) first.getPropertySources().get(0).getSource();
		source.put("mesh.policy.timeout", "999s");

		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("2s");
	}

	@Test
	void servicesWithTheSameFieldsShareTheirKeysAndValuesInMemory() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.policy.write("billing.yml", VALID_ORDERS);
		this.store.scan();
		Map<?, ?> orders = this.store.environment("orders").getPropertySources().get(0).getSource();
		Map<?, ?> billing = this.store.environment("billing").getPropertySources().get(0).getSource();
		assertThat(orders).isEqualTo(billing);
		// The same String instances: 10,000 services of 100 routes fit in 512 MiB this way.
		Object ordersKey = orders.keySet().iterator().next();
		Object billingKey = billing.keySet().iterator().next();
		assertThat(ordersKey).isEqualTo("mesh.policy.timeout").isSameAs(billingKey);
		assertThat(orders.get(ordersKey)).isSameAs(billing.get(billingKey));
	}

	@Test
	void invalidEditKeepsLastValidVersionAndNamesFileFieldAndLine() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String valid = this.store.version("orders");
		this.store.addListener(this.notified::add);

		this.policy.write("orders.yml", ORDERS_WITH_UNDEFINED_SUBSET);
		assertThat(this.store.scan()).isEmpty();

		assertThat(this.store.version("orders")).isEqualTo(valid);
		assertThat(this.store.environment("orders").getVersion()).isEqualTo(valid);
		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("2s");
		PolicyStatus status = status("orders");
		assertThat(status.valid()).isFalse();
		assertThat(status.version()).isEqualTo(valid);
		assertThat(status.rejectedVersion()).isNotNull().isNotEqualTo(valid);
		assertThat(status.errors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("orders.yml");
			assertThat(error.field()).isEqualTo("mesh.policy.routes[0].to[0].subset");
			assertThat(error.position()).isEqualTo("5:25");
			assertThat(error.reason()).contains("'v3'");
		});
		assertThat(this.notified).isEmpty();
	}

	@Test
	void unknownFieldIsRejectedNamingFileFieldAndLine() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String valid = this.store.version("orders");

		this.policy.write("orders.yml", "mesh:\n  policy:\n    timout: 2s\n");
		this.store.scan();

		assertThat(this.store.version("orders")).isEqualTo(valid);
		assertThat(status("orders").errors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("orders.yml");
			assertThat(error.field()).isEqualTo("mesh.policy.timout");
			assertThat(error.position()).startsWith("3:");
		});
	}

	@Test
	void malformedYamlKeepsLastValidVersionAndNamesTheFile() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String valid = this.store.version("orders");

		this.policy.write("orders.yml", "mesh:\n  policy:\n    timeout: [2s\n");
		this.store.scan();

		assertThat(this.store.version("orders")).isEqualTo(valid);
		PolicyStatus status = status("orders");
		assertThat(status.valid()).isFalse();
		assertThat(status.errors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("orders.yml");
			assertThat(error.position()).isEqualTo("3:14");
			assertThat(error.reason()).contains("cannot be read");
		});
	}

	@Test
	void malformedFileNeverValidGetsMeshWideDefaults() {
		this.policy.write("orders.yml", "mesh:\n  policy:\n    timeout: [2s\n");
		this.store.scan();

		assertThat(this.store.version("orders")).isEqualTo(this.store.version("payments"));
		assertThat(this.store.environment("orders").getPropertySources()).singleElement()
			.satisfies((source) -> assertThat(source.getSource().get("mesh.policy.timeout")).isEqualTo("5s"));
		assertThat(status("orders").errors()).extracting(PolicyError::file).containsExactly("orders.yml");
	}

	@Test
	void malformedApplicationYmlIsReportedForEveryServiceAndLastValidVersionsKept() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String orders = this.store.version("orders");
		String payments = this.store.version("payments");

		this.policy.write("application.yml", "mesh: [\n");
		this.store.scan();

		assertThat(this.store.version("orders")).isEqualTo(orders);
		assertThat(this.store.version("payments")).isEqualTo(payments);
		for (String service : List.of("orders", "payments")) {
			assertThat(status(service).errors()).as(service)
				.singleElement()
				.satisfies((error) -> assertThat(error.file()).isEqualTo("application.yml"));
		}
	}

	@Test
	void fixingInvalidFileServesTheNewVersion() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String first = this.store.version("orders");
		this.policy.write("orders.yml", ORDERS_WITH_UNDEFINED_SUBSET);
		this.store.scan();
		this.store.addListener(this.notified::add);

		this.policy.write("orders.yml", VALID_ORDERS.replace("timeout: 2s", "timeout: 3s"));
		assertThat(this.store.scan()).containsExactly("orders");

		String fixed = this.store.version("orders");
		assertThat(fixed).isNotEqualTo(first);
		assertThat(this.store.environment("orders").getVersion()).isEqualTo(fixed);
		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("3s");
		PolicyStatus status = status("orders");
		assertThat(status.valid()).isTrue();
		assertThat(status.errors()).isEmpty();
		assertThat(status.rejectedVersion()).isNull();
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void revertingToTheServedContentClearsTheErrorsWithoutANewVersion() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String valid = this.store.version("orders");
		Instant servedSince = status("orders").servedSince();
		this.policy.write("orders.yml", ORDERS_WITH_UNDEFINED_SUBSET);
		this.store.scan();
		this.store.addListener(this.notified::add);

		this.clock.advance(Duration.ofMinutes(1));
		this.policy.write("orders.yml", VALID_ORDERS);
		assertThat(this.store.scan()).isEmpty();

		PolicyStatus status = status("orders");
		assertThat(status.version()).isEqualTo(valid);
		assertThat(status.valid()).isTrue();
		assertThat(status.errors()).isEmpty();
		assertThat(status.servedSince()).isEqualTo(servedSince);
		assertThat(status.checkedAt()).isEqualTo(this.clock.instant());
		assertThat(this.notified).isEmpty();
	}

	@Test
	void serviceWhoseFileWasNeverValidGetsMeshWideDefaults() {
		this.policy.write("orders.yml", ORDERS_WITH_UNDEFINED_SUBSET);
		this.store.scan();

		Environment environment = this.store.environment("orders");
		assertThat(environment.getPropertySources()).singleElement()
			.satisfies((source) -> assertThat(source.getName()).endsWith("application.yml"));
		assertThat(environment.getPropertySources().get(0).getSource().get("mesh.policy.timeout")).isEqualTo("5s");
		assertThat(environment.getVersion()).isEqualTo(this.store.version("orders"));
		PolicyStatus status = status("orders");
		assertThat(status.valid()).isFalse();
		assertThat(status.rejectedVersion()).isNotEqualTo(status.version());
		assertThat(status.errors()).extracting(PolicyError::file).containsExactly("orders.yml");
		// A service with no file at all is served exactly the same defaults.
		assertThat(this.store.version("payments")).isEqualTo(status.version());
	}

	@Test
	void serviceWhoseFileWasNeverValidFollowsChangesOfMeshWideDefaults() {
		this.policy.write("orders.yml", ORDERS_WITH_UNDEFINED_SUBSET);
		this.store.scan();
		String before = this.store.version("orders");
		this.store.addListener(this.notified::add);

		this.policy.write("application.yml", "mesh.policy.timeout: 7s\n");
		assertThat(this.store.scan()).contains("orders");

		assertThat(this.store.version("orders")).isNotEqualTo(before).isEqualTo(this.store.version("payments"));
		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("7s");
		assertThat(status("orders").valid()).isFalse();
		assertThat(status("orders").errors()).extracting(PolicyError::file).containsExactly("orders.yml");
		assertThat(this.notified).contains("orders");
	}

	@Test
	void serviceWithoutFileGetsNewDefaultsWhenApplicationYmlChanges() {
		String before = this.store.version("payments");
		assertThat(this.store.hasOwnFile("payments")).isFalse();
		this.store.scan();
		this.store.addListener(this.notified::add);

		this.policy.write("application.yml", "mesh.policy.timeout: 7s\n");
		this.store.scan();

		assertThat(this.store.version("payments")).isNotEqualTo(before);
		assertThat(this.store.environment("payments").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("7s");
		// Services without a file of their own share the defaults: one notice for all of them.
		assertThat(this.notified).containsExactly(PolicyStore.DEFAULTS);
		assertThat(this.store.statuses()).extracting(PolicyStatus::service).doesNotContain("payments");
	}

	@Test
	void invalidApplicationYmlIsRejectedForEveryServiceAndLastValidVersionsKept() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.policy.write("payments.yml", "mesh.policy.timeout: 1s\n");
		this.store.scan();
		String orders = this.store.version("orders");
		String payments = this.store.version("payments");
		String inventory = this.store.version("inventory");
		this.store.addListener(this.notified::add);

		this.policy.write("application.yml", "mesh:\n  policy:\n    timeout: soon\n");
		assertThat(this.store.scan()).isEmpty();

		assertThat(this.store.version("orders")).isEqualTo(orders);
		assertThat(this.store.version("payments")).isEqualTo(payments);
		assertThat(this.store.version("inventory")).isEqualTo(inventory);
		// orders and payments set their own timeout, yet the mesh-wide file is still wrong:
		// every service that reads it reports it.
		for (String service : List.of("orders", "payments", "inventory")) {
			PolicyStatus status = status(service);
			assertThat(status.valid()).as(service).isFalse();
			assertThat(status.errors()).as(service).isNotEmpty().allSatisfy((error) -> {
				assertThat(error.file()).isEqualTo("application.yml");
				assertThat(error.field()).isEqualTo("mesh.policy.timeout");
				assertThat(error.position()).isEqualTo("3:14");
			});
		}
		assertThat(this.notified).isEmpty();
	}

	@Test
	void deletedFileFallsBackToMeshWideDefaults() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String own = this.store.version("orders");
		this.store.addListener(this.notified::add);

		this.policy.delete("orders.yml");
		assertThat(this.store.scan()).containsExactly("orders");

		assertThat(this.store.version("orders")).isNotEqualTo(own).isEqualTo(this.store.version("payments"));
		assertThat(this.store.hasOwnFile("orders")).isFalse();
		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("5s");
		assertThat(status("orders").valid()).isTrue();
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void fileAddedForAServiceAlreadyAskedAboutIsServed() {
		String defaults = this.store.version("orders");
		this.store.scan();
		this.store.addListener(this.notified::add);

		this.policy.write("orders.yml", VALID_ORDERS);
		assertThat(this.store.scan()).containsExactly("orders");

		assertThat(this.store.version("orders")).isNotEqualTo(defaults);
		assertThat(this.store.hasOwnFile("orders")).isTrue();
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void badlyNamedFileIsReportedInRepositoryErrors() {
		this.policy.write("Orders.yml", VALID_ORDERS);
		this.policy.write("orders.yml", "mesh.policy.timeout: 1s\n");
		this.store.scan();

		assertThat(this.store.repositoryErrors()).singleElement().satisfies((error) -> {
			assertThat(error.file()).isEqualTo("Orders.yml");
			assertThat(error.reason()).contains("'Orders'").contains("not a valid service name");
		});
		assertThat(this.store.statuses()).extracting(PolicyStatus::service).doesNotContain("Orders");
		assertThat(this.store.environment("orders").getPropertySources().get(0).getSource()
			.get("mesh.policy.timeout")).isEqualTo("1s");

		this.policy.delete("Orders.yml");
		this.store.scan();
		assertThat(this.store.repositoryErrors()).isEmpty();
	}

	@Test
	void listenersHearOnlyRealVersionChanges() {
		Path orders = this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		this.store.addListener(this.notified::add);

		// Touched, rewritten with the same bytes, given a comment: no new version.
		this.store.scan();
		setModified(orders, Instant.now().plusSeconds(1));
		this.store.scan();
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		this.policy.write("orders.yml", "# orders policy\n" + VALID_ORDERS);
		this.store.scan();
		assertThat(this.notified).isEmpty();

		this.policy.write("orders.yml", VALID_ORDERS.replace("weight: 90", "weight: 80"));
		this.store.scan();
		assertThat(this.notified).containsExactly("orders");
	}

	@Test
	void sameContentGivesSameVersion(@TempDir Path other) {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		String version = this.store.version("orders");

		this.policy.write("orders.yml", VALID_ORDERS.replace("timeout: 2s", "timeout: 3s"));
		this.store.scan();
		assertThat(this.store.version("orders")).isNotEqualTo(version);
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		assertThat(this.store.version("orders")).isEqualTo(version);

		PolicyDirectory copy = new PolicyDirectory(other);
		copy.write("application.yml", "mesh.policy.timeout: 5s\n");
		copy.write("orders.yml", VALID_ORDERS);
		PolicyStore copyStore = copy.store(this.clock);
		copyStore.scan();
		assertThat(copyStore.version("orders")).isEqualTo(version);
	}

	@Test
	void sameSizeEditIsSeenEvenWhenTheClockIsFarFromFileTimes() {
		// The injected clock drives time stamps only; whether a file's modification time is
		// too recent to trust is a question for the file system's clock.
		this.clock.advance(Duration.ofDays(400));
		Path orders = this.policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
		FileTime written = lastModified(orders);
		this.store.scan();
		String first = this.store.version("orders");

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		// A second write within the file system's time stamp granularity.
		setModified(orders, written.toInstant());
		this.store.scan();

		assertThat(this.store.version("orders")).isNotEqualTo(first);
	}

	@Test
	void changesAreSeenInOptionalSearchLocation() {
		this.policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
		var repository = this.policy.repository("optional:" + this.policy.searchLocation());
		PolicyStore store = new PolicyStore(() -> repository, this.clock);
		store.scan();
		String before = store.version("orders");

		this.policy.write("orders.yml", "mesh.policy.timeout: 3s\n");

		assertThat(store.scan()).containsExactly("orders");
		assertThat(store.version("orders")).isNotEqualTo(before);
	}

	@Test
	void statusRecordsWhenContentWasCheckedAndServed() {
		this.policy.write("orders.yml", VALID_ORDERS);
		this.store.scan();
		Instant firstServed = this.clock.instant();

		this.clock.advance(Duration.ofSeconds(30));
		this.policy.write("orders.yml", VALID_ORDERS.replace("timeout: 2s", "timeout: 3s"));
		this.store.scan();

		PolicyStatus status = status("orders");
		assertThat(status.servedSince()).isEqualTo(firstServed.plusSeconds(30));
		assertThat(status.checkedAt()).isEqualTo(firstServed.plusSeconds(30));
	}

	/** A service's status: its own, or, without a file of its own, that of the mesh-wide defaults it shares. */
	private PolicyStatus status(String service) {
		String owner = this.store.hasOwnFile(service) ? service : PolicyStore.DEFAULTS;
		return this.store.statuses()
			.stream()
			.filter((status) -> status.service().equals(owner))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no status for " + service + " in " + this.store.statuses()));
	}

	private static FileTime lastModified(Path file) {
		try {
			return Files.getLastModifiedTime(file);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private static void setModified(Path file, Instant instant) {
		try {
			Files.setLastModifiedTime(file, FileTime.from(instant));
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
