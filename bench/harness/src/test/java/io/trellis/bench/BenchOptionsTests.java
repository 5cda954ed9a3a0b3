package io.trellis.bench;

import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BenchOptionsTests {

	private static Scenarios.Settings settings(String... args) {
		Bench bench = new Bench();
		new CommandLine(bench).parseArgs(args);
		return bench.settings();
	}

	@Test
	void s1RunsAtItsThreeRatesUnlessTold() {
		assertThat(settings().rates).containsExactly(200, 1000, 2000);
		assertThat(settings("--smoke").rates).containsExactly(200);
	}

	@Test
	void ratesChooseS1sOpenLoopRates() {
		assertThat(settings("--rates", "1000").rates).containsExactly(1000);
		assertThat(settings("--rates", "500,1500", "--smoke").rates).containsExactly(500, 1500);
	}

	@Test
	void aRateThatIsNotPositiveIsRefusedAndNamed() {
		assertThatIllegalArgumentException().isThrownBy(() -> settings("--rates", "1000,0"))
			.withMessageContaining("--rates")
			.withMessageContaining(List.of(1000, 0).toString());
	}

	@Test
	void s1ScrapesTheSidecarsOnlyWhenToldHowOften() {
		assertThat(settings().scrapeInterval).isNull();
		assertThat(settings("--smoke").scrapeInterval).isEqualTo(java.time.Duration.ofMillis(500));
		assertThat(settings("--scrape-interval", "1000").scrapeInterval).isEqualTo(java.time.Duration.ofSeconds(1));
		assertThatIllegalArgumentException().isThrownBy(() -> settings("--scrape-interval", "0"))
			.withMessageContaining("--scrape-interval")
			.withMessageContaining("got 0");
	}

}
