package io.trellis.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Facts about the machine for the report. */
final class Machine {

	private Machine() {
	}

	static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					return line.substring(line.indexOf(':') + 1).trim();
				}
			}
		}
		catch (Exception ex) {
			// Not Linux.
		}
		return "unknown CPU";
	}

	/** Cores of the machine, not just those this process may use. */
	static int cores() {
		try {
			int count = 0;
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("processor")) {
					count++;
				}
			}
			return (count > 0) ? count : Runtime.getRuntime().availableProcessors();
		}
		catch (Exception ex) {
			return Runtime.getRuntime().availableProcessors();
		}
	}

	/** The soft limit on open files of this process (and of the processes it starts). */
	static long openFileLimit() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
				if (line.startsWith("Max open files")) {
					String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
					return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
				}
			}
		}
		catch (Exception ex) {
			// fall through
		}
		return 1024;
	}

	static String memory() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
				if (line.startsWith("MemTotal")) {
					long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
					return (kib / 1024 / 1024) + " GiB";
				}
			}
		}
		catch (Exception ex) {
			// Not Linux.
		}
		return "unknown memory";
	}

	/** The first line of a tool's version output. */
	static String version(String tool, String flag) {
		try {
			Process process = new ProcessBuilder(List.of(tool, flag)).redirectErrorStream(true).start();
			String out = new String(process.getInputStream().readAllBytes()).trim();
			process.waitFor();
			String first = out.lines().findFirst().orElse("?");
			return first.replaceAll(".*?([0-9]+\\.[0-9]+(\\.[0-9]+)?).*", "$1");
		}
		catch (Exception ex) {
			return "not installed";
		}
	}

}
