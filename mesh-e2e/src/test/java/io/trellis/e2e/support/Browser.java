package io.trellis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through its chromedriver (packages {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs); nothing is downloaded. Closing it
 * ends the browser and the driver.
 */
public final class Browser implements AutoCloseable {

	private static final Path CHROMIUM = Path.of(System.getProperty("trellis.chromium", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path.of(System.getProperty("trellis.chromedriver", "/usr/bin/chromedriver"));

	private final ChromeDriverService service;

	private final ChromeDriver driver;

	private Browser(ChromeDriverService service, ChromeDriver driver) {
		this.service = service;
		this.driver = driver;
	}

	/** Starts a headless browser whose page is {@code width} by {@code height} pixels. */
	public static Browser start(int width, int height) {
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
			ChromeDriver driver = new ChromeDriver(service, options);
			fitViewport(driver, width, height);
			return new Browser(service, driver);
		}
		catch (RuntimeException ex) {
			service.stop();
			throw ex;
		}
	}

	/** Sizes the window so that the page itself, not the window with its frame, has the size asked for. */
	private static void fitViewport(ChromeDriver driver, int width, int height) {
		List<?> inner = (List<?>) driver.executeScript("return [window.innerWidth, window.innerHeight];");
		int innerWidth = ((Number) inner.get(0)).intValue();
		int innerHeight = ((Number) inner.get(1)).intValue();
		if (innerWidth != width || innerHeight != height) {
			driver.manage().window().setSize(new Dimension(2 * width - innerWidth, 2 * height - innerHeight));
		}
	}

	public ChromeDriver driver() {
		return this.driver;
	}

	/** Saves what the window shows as a PNG to each of {@code files}. */
	public void screenshot(Path... files) {
		byte[] png = this.driver.getScreenshotAs(OutputType.BYTES);
		for (Path file : files) {
			try {
				Files.createDirectories(file.toAbsolutePath().getParent());
				Files.write(file, png);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
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
