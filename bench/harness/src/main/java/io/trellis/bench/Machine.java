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
