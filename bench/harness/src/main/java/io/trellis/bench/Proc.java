package io.trellis.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the benchmark started, pinned to a CPU with taskset, logging to a file. It reads
 * the process's CPU time and resident memory from /proc, and is stopped (with its children)
 * when the benchmark ends, also on failure.
 */
final class Proc implements AutoCloseable {

	private static final List<Proc> LIVE = new ArrayList<>();

	private static final long TICKS_PER_SECOND = ticksPerSecond();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			synchronized (LIVE) {
				new ArrayList<>(LIVE).forEach(Proc::kill);
			}
		}, "bench-reaper"));
	}

	final String name;

	final Process process;

	final Path log;

	private Proc(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
	}

	/**
	 * Starts {@code command} on CPU {@code cpu}, or on every CPU of the machine when it is
	 * negative. (Every CPU is named rather than left out: {@code ./mesh bench} pins the harness
	 * itself to the load CPU, and a child started without taskset would inherit that.)
	 */
	static Proc start(String name, int cpu, List<String> command, Path logDir) {
		return start(name, cpu, command, logDir, null);
	}

	/**
	 * As above, in the working directory {@code directory} (the harness's when null). A sidecar
	 * runs in its checkout: JDK 17's class archive records the class path as the training run
	 * gave it, relative to that directory.
	 */
	static Proc start(String name, int cpu, List<String> command, Path logDir, Path directory) {
		List<String> full = new ArrayList<>();
		full.add("taskset");
		full.add("-c");
		full.add((cpu >= 0) ? String.valueOf(cpu) : onlineCpus());
		full.addAll(command);
		try {
			Files.createDirectories(logDir);
			Path log = logDir.resolve(name + ".log");
			ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
			if (directory != null) {
				builder.directory(directory.toFile());
			}
			Process process = builder.start();
			Proc proc = new Proc(name, process, log);
			synchronized (LIVE) {
				LIVE.add(proc);
			}
			return proc;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + name + ": " + ex.getMessage(), ex);
		}
	}

	/** The machine's online CPUs as taskset takes them (e.g. {@code 0-1}), read from sysfs. */
	static String onlineCpus() {
		try {
			return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the online CPUs: " + ex.getMessage(), ex);
		}
	}

	/** The CPUs the process may run on, as the kernel has them ({@code Cpus_allowed_list}, e.g. {@code 0-1}). */
	String allowedCpus() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
				if (line.startsWith("Cpus_allowed_list:")) {
					return line.substring("Cpus_allowed_list:".length()).trim();
				}
			}
			throw new IllegalStateException("No Cpus_allowed_list in /proc/" + pid() + "/status");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the CPUs of " + this.name + ": " + ex.getMessage(), ex);
		}
	}

	long pid() {
		return this.process.pid();
	}

	boolean alive() {
		return this.process.isAlive();
	}

	/**
	 * User plus system CPU time so far, in seconds, of the process and its descendants (nginx
	 * does its work in a worker process).
	 */
	double cpuSeconds() {
		double seconds = cpuSeconds(pid());
		for (ProcessHandle child : this.process.descendants().toList()) {
			seconds += cpuSeconds(child.pid());
		}
		return seconds;
	}

	private double cpuSeconds(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// Fields 14 and 15 of stat (utime, stime), counted from after the command name.
			long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
			return (double) ticks / TICKS_PER_SECOND;
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("Cannot read CPU time of " + this.name + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Bytes the JVM's threads whose names start with {@code prefix} have allocated so far, as the
	 * JVM counts them (its extended thread dump, {@code jcmd <pid> Thread.print -e}, run with the
	 * {@code jcmd} of the JDK the process runs on). The dump stops the JVM for a moment: take it
	 * outside a timed or CPU-measured window. The JVM prints each figure in bytes, or in K, M or G
	 * once it is at least a hundred of them, so it is exact to within one percent.
	 */
	long allocatedBytes(String prefix) {
		String command = ProcessHandle.of(pid())
			.flatMap((handle) -> handle.info().command())
			.orElseThrow(() -> new IllegalStateException("Cannot tell which java runs " + this.name));
		Path jcmd = Path.of(command).resolveSibling("jcmd");
		try {
			Process dump = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), "Thread.print", "-e")
				.redirectErrorStream(true)
				.start();
			String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!dump.waitFor(60, TimeUnit.SECONDS) || dump.exitValue() != 0) {
				dump.destroyForcibly();
				throw new IllegalStateException(jcmd + " Thread.print -e failed on " + this.name + ": " + out);
			}
			return allocatedBytes(out, prefix, this.name);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot run " + jcmd + " on " + this.name + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while dumping the threads of " + this.name, ex);
		}
	}

	/** The allocated bytes of the threads named {@code prefix...} in an extended thread dump. */
	static long allocatedBytes(String dump, String prefix, String name) {
		Pattern allocated = Pattern.compile(" allocated=(\\d+)([BKMG]) ");
		long total = 0;
		int threads = 0;
		for (String line : dump.split("\n")) {
			if (!line.startsWith("\"" + prefix)) {
				continue;
			}
			Matcher matcher = allocated.matcher(line);
			if (!matcher.find()) {
				throw new IllegalStateException("No allocated= figure for a thread of " + name + ": " + line);
			}
			long unit = switch (matcher.group(2)) {
				case "K" -> 1L << 10;
				case "M" -> 1L << 20;
				case "G" -> 1L << 30;
				default -> 1L;
			};
			total += Long.parseLong(matcher.group(1)) * unit;
			threads++;
		}
		if (threads == 0) {
			throw new IllegalStateException("No thread named " + prefix + "... in the thread dump of " + name);
		}
		return total;
	}

	/**
	 * Freezes the process (SIGSTOP) or lets it run again (SIGCONT), so that an idle process's
	 * background threads do not compete with the one being measured.
	 */
	void suspend(boolean suspended) {
		try {
			Process kill = new ProcessBuilder("kill", suspended ? "-STOP" : "-CONT", String.valueOf(pid()))
				.redirectErrorStream(true)
				.start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill " + (suspended ? "-STOP " : "-CONT ") + pid() + " failed: "
						+ new String(kill.getInputStream().readAllBytes()));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Resident memory in MiB. */
	double rssMiB() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		throw new IllegalStateException("No VmRSS for " + this.name);
	}

	/** The lines of the process's log that contain {@code text}. */
	long logLines(String text) {
		try (java.util.stream.Stream<String> lines = Files.lines(this.log)) {
			return lines.filter((line) -> line.contains(text)).count();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	String tail(int lines) {
		try {
			List<String> all = Files.readAllLines(this.log);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

	/**
	 * Stops the process and its descendants: SIGTERM, then SIGKILL after 15 s. The process goes
	 * first, so that a supervisor (nginx's master) cannot replace a worker stopped before it.
	 */
	void stop() {
		List<ProcessHandle> all = new ArrayList<>();
		all.add(this.process.toHandle());
		all.addAll(this.process.descendants().toList());
		all.forEach(ProcessHandle::destroy);
		for (ProcessHandle handle : all) {
			try {
				handle.onExit().get(15, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				handle.destroyForcibly();
			}
		}
		forget();
	}

	/** Kills the process, then the descendants it had, so that none is replaced. */
	void kill() {
		List<ProcessHandle> descendants = this.process.descendants().toList();
		this.process.destroyForcibly();
		descendants.forEach(ProcessHandle::destroyForcibly);
		forget();
	}

	private void forget() {
		synchronized (LIVE) {
			LIVE.remove(this);
		}
	}

	@Override
	public void close() {
		if (alive()) {
			stop();
		}
	}

	private static long ticksPerSecond() {
		try {
			Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
			String out = new String(getconf.getInputStream().readAllBytes()).trim();
			getconf.waitFor();
			return Long.parseLong(out);
		}
		catch (Exception ex) {
			return 100;
		}
	}

}
