package io.trellis.samples.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./mesh}: the Trellis command line. */
@Command(name = "mesh", mixinStandardHelpOptions = true, version = "Trellis 0.1.0-SNAPSHOT",
		description = { "Runs and inspects a Trellis mesh.", "Also: ./mesh bench [--smoke] benchmarks the sidecar (see bench/README.md)." }, subcommands = { DemoCommand.class, ValidateCommand.class })
public class MeshCli implements Runnable {

	@CommandLine.Spec
	CommandLine.Model.CommandSpec spec;

	public static void main(String[] args) {
		System.exit(new CommandLine(new MeshCli()).execute(args));
	}

	@Override
	public void run() {
		this.spec.commandLine().usage(System.out);
	}

}
