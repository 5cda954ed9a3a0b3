package io.trellis.core.policy;

import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ServiceNamesTests {

	/** The rule as Kubernetes writes it (RFC 1123 label), the oracle for the hand-written check. */
	private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

	@Test
	void acceptsDnsLabels() {
		assertThat(ServiceNames.isValid("orders")).isTrue();
		assertThat(ServiceNames.isValid("a")).isTrue();
		assertThat(ServiceNames.isValid("0")).isTrue();
		assertThat(ServiceNames.isValid("orders-v2")).isTrue();
		assertThat(ServiceNames.isValid("a--b")).isTrue();
		assertThat(ServiceNames.isValid("a".repeat(63))).isTrue();
	}

	@Test
	void refusesWhatIsNotADnsLabel() {
		assertThat(ServiceNames.isValid(null)).isFalse();
		assertThat(ServiceNames.isValid("")).isFalse();
		assertThat(ServiceNames.isValid("-orders")).isFalse();
		assertThat(ServiceNames.isValid("orders-")).isFalse();
		assertThat(ServiceNames.isValid("-")).isFalse();
		assertThat(ServiceNames.isValid("Orders")).isFalse();
		assertThat(ServiceNames.isValid("orders.default")).isFalse();
		assertThat(ServiceNames.isValid("orders_v2")).isFalse();
		assertThat(ServiceNames.isValid("orders:8080")).isFalse();
		assertThat(ServiceNames.isValid("ordérs")).isFalse();
		assertThat(ServiceNames.isValid("a".repeat(64))).isFalse();
	}

	@Test
	void agreesWithTheRegularExpressionOnManyRandomNames() {
		Random random = new Random(7);
		String alphabet = "abz09-A.Z_:é ";
		int valid = 0;
		for (int i = 0; i < 200_000; i++) {
			int length = random.nextInt(70);
			StringBuilder name = new StringBuilder(length);
			for (int j = 0; j < length; j++) {
				name.append(alphabet.charAt(random.nextInt(random.nextBoolean() ? 6 : alphabet.length())));
			}
			String candidate = name.toString();
			boolean expected = DNS_LABEL.matcher(candidate).matches();
			assertThat(ServiceNames.isValid(candidate)).as("'%s'", candidate).isEqualTo(expected);
			valid += expected ? 1 : 0;
		}
		// Both answers were exercised many times.
		assertThat(valid).isBetween(1_000, 199_000);
	}

	@Test
	void requireValidNamesTheBadName() {
		assertThat(ServiceNames.requireValid("orders")).isEqualTo("orders");
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceNames.requireValid("Orders"))
			.withMessageContaining("'Orders' is not a valid service name");
	}

}
