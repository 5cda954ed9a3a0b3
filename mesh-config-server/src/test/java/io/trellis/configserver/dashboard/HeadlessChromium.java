package io.trellis.configserver.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through its chromedriver (packages {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs); nothing is downloaded. Closing it
 * ends the browser and the driver.
 */
final class HeadlessChromium implements AutoCloseable {

	private static final Path CHROMIUM = Path.of(System.getProperty("trellis.chromium", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path.of(System.getProperty("trellis.chromedriver", "/usr/bin/chromedriver"));

	private final ChromeDriverService service;

	private final ChromeDriver driver;

	private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
		this.service = service;
		this.driver = driver;
	}

	static HeadlessChromium start(int width, int height) {
		for (Path binary : new Path[] { CHROMIUM, CHROMEDRIVER }) {
			if (!Files.isExecutable(binary)) {
				String message = binary + " is missing: install Debian's chromium and chromium-driver "
						+ "(apt-get install -y chromium chromium-driver; .ci/run does)";
				// .ci/run installs them and sets TRELLIS_REQUIRE_TOOLS, so there a missing browser
				// fails the test; elsewhere (./mvnw verify on a fresh machine) the test is skipped.
				if (System.getenv("TRELLIS_REQUIRE_TOOLS") != null) {
					throw new IllegalStateException(message);
				}
				System.out.println("Skipping a browser test: " + message);
				org.junit.jupiter.api.Assumptions.abort(message);
			}
		}
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + width + "," + height);
		try {
			return new HeadlessChromium(service, new ChromeDriver(service, options));
		}
		catch (RuntimeException ex) {
			service.stop();
			throw ex;
		}
	}

	ChromeDriver driver() {
		return this.driver;
	}

	@Override
	public void close() {
		try {
			this.driver.quit();
		}
		finally {
			this.service.stop();
		}
	}

}
