package io.trellis.starter.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CalledServicesTests {

	@Test
	void namesAreDistinctAndSorted() {
		CalledServices services = new CalledServices();
		services.record("payments");
		services.record("orders");
		services.record("payments");
		assertThat(services.names()).containsExactly("orders", "payments");
	}

	@Test
	void keepsNoMoreNamesThanTheLimitButStillKnowsEarlierOnes() {
		CalledServices services = new CalledServices(3);
		for (int i = 0; i < 10; i++) {
			services.record("svc-" + i);
		}
		services.record("svc-0");
		assertThat(services.names()).containsExactly("svc-0", "svc-1", "svc-2");
	}

	@Test
	void defaultLimitIsAThousand() {
		CalledServices services = new CalledServices();
		for (int i = 0; i < 1500; i++) {
			services.record("svc-" + i);
		}
		assertThat(services.names()).hasSize(CalledServices.DEFAULT_LIMIT).hasSize(1000);
	}

	@Test
	void limitMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CalledServices(0)).withMessageContaining("0");
	}

}
