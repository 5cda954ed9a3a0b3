package io.trellis.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maximum throughput with wrk (closed loop): only for S2, never for latency. */
final class Wrk {

	private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

	private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

	private Wrk() {
	}

	/**
	 * @return requests per second; throws when wrk saw errors
	 */
	static double run(int cpu, String url, String host, int connections, Duration duration) {
		List<String> command = new ArrayList<>(List.of("taskset", "-c", String.valueOf(cpu), "wrk", "-t1",
				"-c" + connections, "-d" + duration.toSeconds() + "s", "--latency"));
		if (host != null) {
			command.add("-H");
			command.add("Host: " + host);
		}
		command.add(url);
		try {
			Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
			String out = new String(wrk.getInputStream().readAllBytes());
			wrk.waitFor();
			Matcher errors = ERRORS.matcher(out);
			if (errors.find() && Long.parseLong(errors.group(1)) > 0) {
				throw new IllegalStateException("wrk saw " + errors.group(1) + " failed responses from " + url + ":\n" + out);
			}
			Matcher rate = RATE.matcher(out);
			if (!rate.find()) {
				throw new IllegalStateException("No rate in wrk's output:\n" + out);
			}
			return Double.parseDouble(rate.group(1));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run wrk: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
