package io.trellis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM process started by a test: its output goes to a log file, and it is stopped (SIGTERM,
 * then SIGKILL after a grace period) when the test closes it, also when the test fails. A
 * shutdown hook kills whatever is left if the test JVM itself exits early.
 */
public final class MeshProcess implements AutoCloseable {

	/** JVM options that keep many small JVMs comfortable on two cores. */
	public static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k",
			"-XX:MaxRAM=512m", "-Xmx160m", "-Dio.netty.leakDetection.level=paranoid");

	private static final List<Process> LIVE = new ArrayList<>();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			synchronized (LIVE) {
				LIVE.forEach(Process::destroyForcibly);
			}
		}, "mesh-e2e-reaper"));
	}

	private final String name;

	private final Path log;

	private final Process process;

	private MeshProcess(String name, Path log, Process process) {
		this.name = name;
		this.log = log;
		this.process = process;
	}

	/** Starts {@code java [options] -jar jar args}, logging to {@code logDir/name.log}. */
	public static MeshProcess startJar(String name, Path logDir, Path jar, List<String> args) {
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("Executable jar " + jar + " is missing: build the module first");
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(JVM_OPTIONS);
		command.add("-jar");
		command.add(jar.toString());
		command.addAll(args);
		return start(name, logDir, command);
	}

	public static MeshProcess start(String name, Path logDir, List<String> command) {
		try {
			Files.createDirectories(logDir);
			Path log = logDir.resolve(name + ".log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.start();
			synchronized (LIVE) {
				LIVE.add(process);
			}
			return new MeshProcess(name, log, process);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + name, ex);
		}
	}

	public String name() {
		return this.name;
	}

	public long pid() {
		return this.process.pid();
	}

	public boolean isAlive() {
		return this.process.isAlive();
	}

	/** Everything the process printed so far. */
	public String log() {
		try {
			return Files.readString(this.log, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	/** Stops the process gracefully (SIGTERM), killing it if it has not exited within 20 s. */
	public void stop() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
		forget();
	}

	/** Kills the process at once (SIGKILL): no shutdown hooks, no deregistration. */
	public void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		forget();
	}

	private void forget() {
		synchronized (LIVE) {
			LIVE.remove(this.process);
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			stop();
		}
	}

	@Override
	public String toString() {
		return this.name + " (pid " + pid() + ", log " + this.log + ")";
	}

}
