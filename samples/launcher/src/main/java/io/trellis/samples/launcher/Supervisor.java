package io.trellis.samples.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the mesh's processes, each logging to its own file, and stops every one of them, and
 * anything they started, when told to or when the launcher exits.
 */
final class Supervisor {

	private final Path logs;

	private final List<Managed> processes = new ArrayList<>();

	Supervisor(Path logs) {
		this.logs = logs;
	}

	synchronized Managed start(String name, List<String> command) {
		try {
			Files.createDirectories(this.logs);
			Path log = this.logs.resolve(name + ".log");
			Files.deleteIfExists(log);
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
				.start();
			Managed managed = new Managed(name, process, log);
			this.processes.add(managed);
			return managed;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + name + ": " + ex.getMessage(), ex);
		}
	}

	synchronized List<Managed> processes() {
		return List.copyOf(this.processes);
	}

	/**
	 * Stops every process: SIGTERM to each (and its descendants), a grace period for clean
	 * shutdown, then SIGKILL to whatever is left.
	 * @return how many processes were still running when asked to stop
	 */
	int stopAll(long graceSeconds) {
		List<ProcessHandle> handles = new ArrayList<>();
		for (Managed managed : processes()) {
			if (managed.process().isAlive()) {
				managed.process().descendants().forEach(handles::add);
				handles.add(managed.process().toHandle());
			}
		}
		handles.forEach(ProcessHandle::destroy);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
		for (ProcessHandle handle : handles) {
			long left = deadline - System.nanoTime();
			try {
				handle.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
			}
			catch (Exception ex) {
				handle.destroyForcibly();
			}
		}
		for (ProcessHandle handle : handles) {
			if (handle.isAlive()) {
				handle.destroyForcibly();
			}
		}
		return (int) handles.stream().filter((handle) -> processes().stream()
			.anyMatch((managed) -> managed.process().pid() == handle.pid())).count();
	}

	/** A started process, its name and its log file. */
	record Managed(String name, Process process, Path log) {

		/** Resident memory in MiB from /proc, or -1 where it cannot be read. */
		long rssMiB() {
			try {
				for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(this.process.pid()), "status"))) {
					if (line.startsWith("VmRSS:")) {
						return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				// Not Linux, or the process is gone.
			}
			return -1;
		}

		String tail(int lines) {
			try {
				List<String> all = Files.readAllLines(this.log);
				return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
			}
			catch (IOException ex) {
				return "(no log)";
			}
		}

	}

}
