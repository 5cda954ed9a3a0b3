package io.trellis.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.trellis.e2e.support.EchoApp;
import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.MeshCluster;
import io.trellis.e2e.support.PolicyFiles;
import io.trellis.e2e.support.Sidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The observability samples ({@code samples/observability}: Prometheus scrape config, recording
 * rules, Grafana dashboard) against the real sidecar: every metric their queries use is one the
 * sidecar documents, with labels it has; the request metrics they use are in a live sidecar's
 * scrape with the labels the queries use; and, where {@code promtool} is installed (Debian
 * package {@code prometheus}), Prometheus accepts the config and the rules and the rules pass
 * their unit tests. {@code samples/observability/check.sh} does the static part without Java.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilitySamplesIT {

	private static final Path SAMPLES = Path.of(System.getProperty("trellis.home", "..")).resolve("samples/observability");

	private static final Set<String> REQUEST_LABELS = Set.of("direction", "source", "destination", "route", "subset",
			"status_class");

	/** The sidecar's documented metrics (Prometheus names) and their own labels. */
	private static final Map<String, Set<String>> DOCUMENTED = Map.ofEntries(
			Map.entry("trellis_requests_seconds_bucket", union(REQUEST_LABELS, Set.of("le"))),
			Map.entry("trellis_requests_seconds_count", REQUEST_LABELS),
			Map.entry("trellis_requests_seconds_sum", REQUEST_LABELS),
			Map.entry("trellis_retries_total", Set.of("destination", "route")),
			Map.entry("trellis_retry_budget_exhausted_total", Set.of("destination", "route")),
			Map.entry("trellis_outlier_ejections_total", Set.of("destination")),
			Map.entry("trellis_mesh_errors_total", Set.of("destination", "reason")),
			Map.entry("trellis_circuit_breaker_state", Set.of("destination")),
			Map.entry("trellis_circuit_breaker_not_permitted_total", Set.of("destination")),
			Map.entry("trellis_connections_open", Set.of("listener")),
			Map.entry("trellis_health_checks_total", Set.of("destination", "result")),
			Map.entry("trellis_rate_limited_total", Set.of("service")),
			Map.entry("trellis_access_log_dropped_total", Set.of()),
			Map.entry("trellis_tap_dropped_total", Set.of()));

	/** Labels Prometheus adds from the scrape configuration, not the sidecar. */
	private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "service", "version", "namespace", "pod");

	/** The histogram's fixed bucket bounds, in seconds. */
	private static final List<Double> BUCKETS = List.of(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
			2.5, 5.0, 10.0, Double.POSITIVE_INFINITY);

	private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
			"bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");

	private static final Pattern GROUPING = Pattern
		.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");

	private static final Pattern SELECTOR = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)?\\s*(\\{[^}]*\\})?");

	private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(?:=~|!~|!=|=)");

	private static final Pattern LABEL_VALUES = Pattern
		.compile("\\s*label_values\\((.*),\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)\\s*");

	private static final Pattern SAMPLE_LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	MeshCluster mesh;

	Sidecar frontend;

	Sidecar orders;

	EchoApp ordersApp;

	@BeforeAll
	void startMesh(@TempDir Path work) throws IOException {
		Path policy = Files.createDirectories(work.resolve("policy"));
		PolicyFiles.write(policy, "application", "mesh.policy.timeout: 5s\n");
		this.mesh = new MeshCluster("ObservabilitySamplesIT", work);
		this.mesh.startControlPlane(policy, Map.of());
		EchoApp frontendApp = this.mesh.startApp("frontend");
		this.ordersApp = this.mesh.startApp("orders");
		this.frontend = this.mesh.startSidecar("frontend", Map.of("version", "v1"), frontendApp.port(), Map.of());
		this.orders = this.mesh.startSidecar("orders", Map.of("version", "v1"), this.ordersApp.port(), Map.of());
		this.mesh.awaitRegistered("orders", 1);
	}

	@AfterAll
	void stopMesh() {
		if (this.mesh != null) {
			this.mesh.close();
		}
	}

	@Test
	void everyMetricTheSamplesQueryIsDocumentedAndHasTheLabelsTheQueriesUse() throws IOException {
		List<Query> queries = queries();
		assertThat(queries).hasSizeGreaterThan(10);
		Set<String> recorded = recordedNames();
		List<String> problems = new ArrayList<>();
		Set<String> used = new TreeSet<>();
		for (Query query : queries) {
			Parsed parsed = parse(query.expr());
			assertThat(parsed.selectors()).as("metrics in %s: %s", query.where(), query.expr()).isNotEmpty();
			Set<String> raw = new HashSet<>();
			for (Selector selector : parsed.selectors()) {
				used.add(selector.metric());
				if (recorded.contains(selector.metric())) {
					continue;
				}
				Set<String> labels = DOCUMENTED.get(selector.metric());
				if (labels == null) {
					problems.add(query.where() + ": " + selector.metric() + " is not a documented Trellis metric");
					continue;
				}
				raw.add(selector.metric());
				Set<String> unknown = minus(selector.labels(), union(labels, TARGET_LABELS));
				if (!unknown.isEmpty()) {
					problems.add(query.where() + ": " + selector.metric() + " has no label " + unknown);
				}
			}
			if (!raw.isEmpty() && raw.size() == parsed.selectors().stream().map(Selector::metric).distinct().count()) {
				Set<String> have = new HashSet<>(TARGET_LABELS);
				raw.forEach((metric) -> have.addAll(DOCUMENTED.get(metric)));
				Set<String> unknown = minus(parsed.grouping(), have);
				if (!unknown.isEmpty()) {
					problems.add(query.where() + ": groups by " + unknown + ", which " + raw + " do not have");
				}
			}
		}
		assertThat(problems).isEmpty();
		assertThat(used).contains("trellis_requests_seconds_count", "trellis_requests_seconds_bucket",
				"trellis_mesh_errors_total", "trellis_circuit_breaker_state");
	}

	@Test
	void requestMetricsTheSamplesQueryAreInTheSidecarsScrapeWithTheLabelsTheQueriesUse() throws IOException {
		for (int i = 0; i < 5; i++) {
			assertThat(HttpCall.get(this.frontend.outbound("/orders/" + i), Map.of("Host", "orders")).status())
				.isEqualTo(200);
		}
		this.ordersApp.setStatus(503);
		try {
			assertThat(HttpCall.get(this.frontend.outbound("/fail"), Map.of("Host", "orders")).status())
				.isEqualTo(503);
		}
		finally {
			this.ordersApp.setStatus(200);
		}

		// Which labels each request metric is queried with, over all the samples' queries.
		Map<String, Set<String>> wanted = new LinkedHashMap<>();
		for (Query query : queries()) {
			Parsed parsed = parse(query.expr());
			for (Selector selector : parsed.selectors()) {
				if (selector.metric().startsWith("trellis_requests_seconds_")) {
					Set<String> labels = wanted.computeIfAbsent(selector.metric(), (k) -> new TreeSet<>());
					labels.addAll(minus(selector.labels(), TARGET_LABELS));
					labels.addAll(minus(parsed.grouping(), TARGET_LABELS));
					if (!selector.metric().endsWith("_bucket")) {
						labels.remove("le");
					}
				}
			}
		}
		assertThat(wanted).containsKeys("trellis_requests_seconds_count", "trellis_requests_seconds_bucket");
		System.out.println("Request metrics the samples query, with their labels: " + wanted);

		// The caller's sidecar counts the calls outbound, the destination's inbound.
		awaitSeries(this.frontend, "trellis_requests_seconds_count",
				Map.of("direction", "outbound", "source", "frontend", "destination", "orders", "status_class", "5xx"));
		awaitSeries(this.orders, "trellis_requests_seconds_count",
				Map.of("direction", "inbound", "source", "frontend", "destination", "orders", "status_class", "2xx"));
		for (Sidecar sidecar : List.of(this.frontend, this.orders)) {
			List<Sample> scrape = scrape(sidecar);
			wanted.forEach((metric, labels) -> {
				List<Sample> series = scrape.stream().filter((sample) -> sample.name().equals(metric)).toList();
				assertThat(series).as("%s in the scrape of %s", metric, sidecar).isNotEmpty();
				assertThat(series).as("%s series of %s with the labels %s", metric, sidecar, labels)
					.allSatisfy((sample) -> assertThat(sample.labels()).containsKeys(labels.toArray(String[]::new)));
			});
			Map<String, String> one = scrape.stream()
				.filter((sample) -> sample.name().equals("trellis_requests_seconds_count"))
				.findFirst()
				.orElseThrow()
				.labels();
			List<Double> bounds = scrape.stream()
				.filter((sample) -> sample.name().equals("trellis_requests_seconds_bucket"))
				.filter((sample) -> REQUEST_LABELS.stream()
					.allMatch((label) -> sample.labels().get(label).equals(one.get(label))))
				.map((sample) -> parseDouble(sample.labels().get("le")))
				.sorted()
				.toList();
			assertThat(bounds).as("buckets of %s", one).isEqualTo(BUCKETS);
		}
	}

	@Test
	void promtoolAcceptsTheScrapeConfigAndTheRulesAndTheRulesPassTheirTests() throws Exception {
		boolean present = Files.isExecutable(Path.of("/usr/bin/promtool")) || onPath("promtool");
		if (!present) {
			System.out.println("ObservabilitySamplesIT: promtool is not installed (Debian package prometheus):"
					+ " skipping the promtool checks of samples/observability");
		}
		if (!present && System.getenv("TRELLIS_REQUIRE_TOOLS") != null) {
			throw new IllegalStateException("promtool is not installed, and TRELLIS_REQUIRE_TOOLS (set by .ci/run, which "
					+ "installs it) requires it");
		}
		Assumptions.assumeTrue(present, "promtool is not installed");
		promtool("check", "config", "prometheus.yml");
		promtool("check", "rules", "rules.yml");
		promtool("test", "rules", "rules_test.yml");
	}

	private static void promtool(String... args) throws Exception {
		List<String> command = new ArrayList<>();
		command.add("promtool");
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).directory(SAMPLES.toFile()).redirectErrorStream(true).start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
		assertThat(process.exitValue()).as("%s:%n%s", String.join(" ", command), output).isZero();
		System.out.println(String.join(" ", command) + ":\n" + output);
	}

	private static boolean onPath(String program) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String dir : path.split(java.io.File.pathSeparator)) {
			if (Files.isExecutable(Path.of(dir, program))) {
				return true;
			}
		}
		return false;
	}

	private void awaitSeries(Sidecar sidecar, String metric, Map<String, String> labels) {
		await(metric + labels + " in the scrape of " + sidecar).atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> scrape(sidecar).stream()
				.anyMatch((sample) -> sample.name().equals(metric)
						&& sample.labels().entrySet().containsAll(labels.entrySet())));
	}

	private static List<Sample> scrape(Sidecar sidecar) {
		String text = HttpCall.get("http://127.0.0.1:" + sidecar.adminPort() + "/actuator/prometheus").body();
		List<Sample> samples = new ArrayList<>();
		for (String line : text.lines().toList()) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			int brace = line.indexOf('{');
			int space = line.indexOf(' ');
			if (brace >= 0 && brace < space) {
				Map<String, String> labels = new LinkedHashMap<>();
				int close = line.lastIndexOf('}');
				Matcher matcher = SAMPLE_LABEL.matcher(line.substring(brace + 1, close));
				while (matcher.find()) {
					labels.put(matcher.group(1), matcher.group(2));
				}
				samples.add(new Sample(line.substring(0, brace), labels));
			}
			else {
				samples.add(new Sample(line.substring(0, space), Map.of()));
			}
		}
		return samples;
	}

	private static double parseDouble(String value) {
		return value.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(value);
	}

	/** Every PromQL query of the dashboard (panels and variables) and of the recording rules. */
	private static List<Query> queries() throws IOException {
		List<Query> queries = new ArrayList<>();
		for (Map<String, Object> rule : rules()) {
			queries.add(new Query("rules.yml " + rule.get("record"), (String) rule.get("expr")));
		}
		JsonNode dashboard = HttpCall.JSON
			.readTree(Files.readString(SAMPLES.resolve("grafana/trellis-dashboard.json")));
		for (JsonNode variable : dashboard.path("templating").path("list")) {
			if (!variable.path("type").asString().equals("query")) {
				continue;
			}
			JsonNode query = variable.path("query");
			String text = query.isObject() ? query.path("query").asString() : query.asString();
			Matcher labelValues = LABEL_VALUES.matcher(text);
			assertThat(labelValues.matches()).as("variable %s: %s", variable.path("name").asString(), text).isTrue();
			// label_values(selector, label): the label is grouped by, in effect.
			queries.add(new Query("variable " + variable.path("name").asString(),
					"count by (" + labelValues.group(2) + ") (" + labelValues.group(1) + ")"));
		}
		for (JsonNode panel : dashboard.path("panels")) {
			for (JsonNode target : panel.path("targets")) {
				queries.add(new Query("panel " + panel.path("title").asString() + " " + target.path("refId").asString(),
						target.path("expr").asString()));
			}
		}
		return queries;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> rules() throws IOException {
		Map<String, Object> file = new Yaml().load(Files.readString(SAMPLES.resolve("rules.yml")));
		List<Map<String, Object>> rules = new ArrayList<>();
		for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
			rules.addAll((List<Map<String, Object>>) group.get("rules"));
		}
		return rules;
	}

	private static Set<String> recordedNames() throws IOException {
		Set<String> names = new HashSet<>();
		for (Map<String, Object> rule : rules()) {
			if (rule.get("record") != null) {
				names.add((String) rule.get("record"));
			}
		}
		return names;
	}

	/**
	 * The metrics a PromQL expression selects, each with the labels its matchers name, and the
	 * labels it groups by ({@code by}, {@code on}). Grafana's variables are dropped first.
	 */
	static Parsed parse(String expr) {
		String e = expr.replaceAll("\\$\\{[^}]*\\}|\\$\\w+", "");
		e = e.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`", "\"\"");
		Set<String> grouping = new TreeSet<>();
		Matcher group = GROUPING.matcher(e);
		while (group.find()) {
			if (!group.group(1).equals("without")) {
				for (String label : group.group(2).split(",")) {
					if (!label.isBlank()) {
						grouping.add(label.strip());
					}
				}
			}
		}
		e = GROUPING.matcher(e).replaceAll(" ");
		e = e.replaceAll("\\[[^\\]]*\\]", " ");
		List<Selector> selectors = new ArrayList<>();
		Matcher selector = SELECTOR.matcher(e);
		while (selector.find()) {
			String name = selector.group(1);
			String matchers = selector.group(2);
			if (name == null && matchers == null) {
				continue;
			}
			if (name != null) {
				boolean call = e.substring(selector.end(1)).stripLeading().startsWith("(") && matchers == null;
				boolean number = selector.start(1) > 0 && Character.isDigit(e.charAt(selector.start(1) - 1));
				if (KEYWORDS.contains(name.toLowerCase()) || call || number) {
					continue;
				}
			}
			Set<String> labels = new TreeSet<>();
			Matcher matcher = MATCHER.matcher((matchers != null) ? matchers : "");
			while (matcher.find()) {
				labels.add(matcher.group(1));
			}
			assertThat(name).as("a plain metric name in %s", expr).isNotNull();
			assertThat(labels).as("a plain metric name in %s", expr).doesNotContain("__name__");
			selectors.add(new Selector(name, labels));
		}
		return new Parsed(selectors, grouping);
	}

	private static Set<String> union(Set<String> a, Set<String> b) {
		Set<String> all = new HashSet<>(a);
		all.addAll(b);
		return all;
	}

	private static Set<String> minus(Set<String> a, Set<String> b) {
		Set<String> rest = new TreeSet<>(a);
		rest.removeAll(b);
		return rest;
	}

	record Query(String where, String expr) {
	}

	record Selector(String metric, Set<String> labels) {
	}

	record Parsed(List<Selector> selectors, Set<String> grouping) {
	}

	record Sample(String name, Map<String, String> labels) {
	}

}
