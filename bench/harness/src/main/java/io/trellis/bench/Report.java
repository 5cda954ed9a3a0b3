package io.trellis.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The benchmark's report in Markdown: the machine, the command, and for each scenario its
 * tables, ready to go into bench/RESULTS.md.
 */
final class Report {

	private final StringBuilder text = new StringBuilder();

	private final String command;

	Report(String command) {
		this.command = command;
	}

	void header(String title) {
		this.text.append("# ").append(title).append("\n\n");
		this.text.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME)).append('\n');
		this.text.append("- command: `").append(this.command).append("`\n");
		this.text.append("- machine: ").append(Machine.cores()).append(" cores (")
			.append(Machine.cpuModel()).append("), ").append(Machine.memory()).append('\n');
		this.text.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
			.append(System.getProperty("java.version")).append('\n');
		this.text.append("- HAProxy ").append(Machine.version("haproxy", "-v")).append(", nginx ")
			.append(Machine.version("nginx", "-v")).append(", wrk ").append(Machine.version("wrk", "-v")).append('\n');
		this.text.append("- pinning: proxies on CPU ").append(Lab.PROXY_CPU).append("; load generator, upstream nginx, wrk, control plane on CPU ")
			.append(Lab.LOAD_CPU).append('\n');
		this.text.append("- open files limit: ").append(Machine.openFileLimit()).append(" (HAProxy maxconn ")
			.append(Lab.haproxyMaxConnections()).append(")\n\n");
	}

	void section(String title) {
		this.text.append("## ").append(title).append("\n\n");
	}

	void paragraph(String paragraph) {
		this.text.append(paragraph).append("\n\n");
	}

	void table(List<String> header, List<List<String>> rows) {
		this.text.append('|');
		header.forEach((cell) -> this.text.append(' ').append(cell).append(" |"));
		this.text.append("\n|");
		header.forEach((cell) -> this.text.append("---|"));
		this.text.append('\n');
		for (List<String> row : rows) {
			this.text.append('|');
			row.forEach((cell) -> this.text.append(' ').append(cell).append(" |"));
			this.text.append('\n');
		}
		this.text.append('\n');
	}

	String text() {
		return this.text.toString();
	}

	void write(Path file) {
		try {
			Files.createDirectories(file.getParent());
			Files.writeString(file, this.text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
