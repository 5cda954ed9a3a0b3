package io.trellis.samples.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.trellis.core.policy.PolicyDirectory;
import io.trellis.core.policy.PolicyError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh validate DIR}: checks a directory of policy files as the control plane would,
 * offline; exit status 0 when every file is valid, 1 when one is not, 2 when the directory
 * cannot be read.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
		description = { "Validates a directory of policy files as the control plane would, offline.",
				"Exit status: 0 valid, 1 invalid (each error names file, line, field and reason), 2 unreadable." })
public class ValidateCommand implements Callable<Integer> {

	@Parameters(index = "0", paramLabel = "DIR", description = "the policy directory (application.yml and <service>.yml files)")
	Path dir;

	@CommandLine.Spec
	CommandLine.Model.CommandSpec spec;

	@Override
	public Integer call() {
		PrintWriter out = this.spec.commandLine().getOut();
		PrintWriter err = this.spec.commandLine().getErr();
		PolicyDirectory.Report report;
		try {
			report = PolicyDirectory.validate(this.dir);
		}
		catch (IOException ex) {
			err.println("Cannot read policy directory: " + ex.getMessage());
			err.flush();
			return 2;
		}
		if (report.files() == 0) {
			err.println(this.dir + " holds no policy file (.yml, .yaml or .properties)");
			err.flush();
			return 2;
		}
		if (report.valid()) {
			out.println(this.dir + ": valid (" + report.files() + " files; " + services(report.services()) + ")");
			out.flush();
			return 0;
		}
		err.println(this.dir + ": " + report.errors().size() + " error(s)");
		for (PolicyError error : report.errors()) {
			err.println("  " + error);
		}
		err.flush();
		return 1;
	}

	/** The services named, or for a large repository their count and the first few. */
	static String services(java.util.List<String> services) {
		if (services.isEmpty()) {
			return "services: none, only mesh-wide defaults";
		}
		if (services.size() <= MAX_LISTED) {
			return "services: " + String.join(", ", services);
		}
		return services.size() + " services: " + String.join(", ", services.subList(0, MAX_LISTED)) + ", ...";
	}

	/** Most services named in the summary line. */
	static final int MAX_LISTED = 20;

}
