package io.trellis.configserver.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.trellis.core.policy.PolicyBinder;
import io.trellis.core.policy.PolicyError;
import io.trellis.core.policy.PolicyException;
import io.trellis.core.policy.PolicyFiles;
import io.trellis.core.policy.PolicySource;
import io.trellis.core.policy.PolicyVersion;
import io.trellis.core.policy.ServiceNames;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.cloud.config.environment.PropertySource;
import org.springframework.cloud.config.environment.PropertyValueDescriptor;
import org.springframework.cloud.config.server.environment.EnvironmentRepository;
import org.springframework.cloud.config.server.environment.JGitEnvironmentRepository;
import org.springframework.cloud.config.server.environment.SearchPathLocator;
import org.springframework.util.DigestUtils;

/**
 * The last valid policy of every service the mesh uses, read through Config Server's own
 * {@link EnvironmentRepository} (directory or git) and validated with {@link PolicyBinder}
 * before it is served. A service whose latest content is invalid keeps being served its last
 * valid version; the errors, each naming file, field and position, are kept for the status
 * endpoint and logged. {@link #scan()} finds changed files and re-validates the services they
 * affect; listeners hear of every change in a served version.
 */
public class PolicyStore {

	/** The name Config Server gives the mesh-wide defaults file. */
	public static final String DEFAULTS = "application";

	private static final Log logger = LogFactory.getLog(PolicyStore.class);

	/**
	 * How long after its last modification a file's time stamp and size are not trusted to
	 * tell whether it changed: two writes within the file system's time stamp granularity
	 * can leave both the same.
	 */
	private static final long RACY_WINDOW_MILLIS = 2000;

	private static final Pattern PARSER_POSITION = Pattern.compile("line (\\d+), column (\\d+)");

	private final Supplier<EnvironmentRepository> backend;

	private volatile EnvironmentRepository repository;

	private final Clock clock;

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

	private final Object scanLock = new Object();

	private Map<Path, FileStamp> files = Map.of();

	private volatile List<PolicyError> repositoryErrors = List.of();

	private volatile String revision;

	/** Services with a policy file of their own, as of the last scan. */
	private volatile Set<String> ownFiles = Set.of();

	private volatile Instant lastGitCheck = Instant.EPOCH;

	private volatile boolean gitCheckForced = true;

	/**
	 * @param backend supplies Config Server's backend repository (directory or git) on first
	 * use, after the application context has created it
	 * @param clock the clock for time stamps
	 */
	public PolicyStore(Supplier<EnvironmentRepository> backend, Clock clock) {
		this.backend = backend;
		this.clock = clock;
	}

	private EnvironmentRepository repository() {
		EnvironmentRepository repository = this.repository;
		if (repository == null) {
			repository = this.backend.get();
			this.repository = repository;
		}
		return repository;
	}

	/** Calls {@code listener} with a service's name each time the version served for it changes. */
	public void addListener(Consumer<String> listener) {
		this.listeners.add(listener);
	}

	/**
	 * The environment served for a service: its last valid policy, with the policy version as
	 * the environment's version. Reads and validates the service's policy the first time it
	 * is asked for.
	 */
	public Environment environment(String service) {
		Environment environment = entry(service).served().toEnvironment();
		environment.setName(service);
		return environment;
	}

	/** The version served for a service. */
	public String version(String service) {
		return entry(service).version();
	}

	/**
	 * Whether the service has a policy file of its own (valid or not) as of the last scan.
	 * Services without one share the mesh-wide defaults and cost the store nothing each.
	 */
	public boolean hasOwnFile(String service) {
		return this.ownFiles.contains(service);
	}

	/** The revision of the repository last scanned (the git commit for git), or null. */
	public String revision() {
		return this.revision;
	}

	/** The state of every service read so far, by name. */
	public List<PolicyStatus> statuses() {
		return this.entries.values()
			.stream()
			.sorted(Comparator.comparing(Entry::service))
			.map(Entry::status)
			.collect(Collectors.toList());
	}

	/** Errors that concern the repository rather than one service, such as a badly named file. */
	public List<PolicyError> repositoryErrors() {
		return this.repositoryErrors;
	}

	/**
	 * Forces the next scan to fetch from a git remote (the webhook's job), then scans.
	 * @return the services whose served version changed
	 */
	public Set<String> refresh() {
		if (repository() instanceof JGitEnvironmentRepository git) {
			git.setLastRefresh(0);
			this.gitCheckForced = true;
		}
		return scan();
	}

	/**
	 * Finds policy files that changed since the last scan and re-validates the services they
	 * affect: every service when the mesh-wide defaults changed.
	 * @return the services whose served version changed
	 */
	public Set<String> scan() {
		Set<String> changedServices = new LinkedHashSet<>();
		synchronized (this.scanLock) {
			Map<Path, FileStamp> current = listFiles();
			if (current == null) {
				return changedServices;
			}
			Set<String> affected = new LinkedHashSet<>();
			Set<String> removed = new LinkedHashSet<>();
			Set<String> owners = new LinkedHashSet<>();
			boolean defaultsChanged = !this.entries.containsKey(DEFAULTS);
			List<PolicyError> badNames = new ArrayList<>();
			Set<Path> all = new LinkedHashSet<>(this.files.keySet());
			all.addAll(current.keySet());
			for (Path file : all) {
				String fileName = file.getFileName().toString();
				String service = PolicyFiles.serviceOf(fileName);
				boolean changed = !Objects.equals(this.files.get(file), current.get(file));
				if (DEFAULTS.equals(service)) {
					defaultsChanged |= changed;
				}
				else if (!ServiceNames.isValid(service)) {
					if (current.containsKey(file)) {
						badNames.add(new PolicyError(fileName, "(file name)", null, "'" + service
								+ "' is not a valid service name, so this file is not used: use lower-case letters, "
								+ "digits and '-', starting and ending with a letter or digit"));
					}
				}
				else if (current.containsKey(file)) {
					owners.add(service);
					if (changed || !this.entries.containsKey(service)) {
						affected.add(service);
					}
				}
				else {
					removed.add(service);
				}
			}
			removed.removeAll(owners);
			this.files = current;
			this.ownFiles = Set.copyOf(owners);
			if (!badNames.equals(this.repositoryErrors)) {
				badNames.forEach((error) -> logger.warn("Policy repository: " + error));
			}
			this.repositoryErrors = List.copyOf(badNames);
			if (defaultsChanged) {
				affected.add(DEFAULTS);
				affected.addAll(this.entries.keySet());
			}
			affected.removeAll(removed);
			for (String service : removed) {
				// Its file is gone: it shares the mesh-wide defaults again.
				Entry gone = this.entries.remove(service);
				logger.info("Policy file of " + service + " removed; serving it the mesh-wide defaults");
				if (gone != null) {
					changedServices.add(service);
				}
			}
			for (String service : affected) {
				if (reload(service)) {
					changedServices.add(service);
				}
			}
		}
		changedServices.forEach(this::notifyListeners);
		return changedServices;
	}

	private Entry entry(String service) {
		if (!DEFAULTS.equals(service) && !this.ownFiles.contains(service)) {
			service = DEFAULTS;
		}
		Entry entry = this.entries.get(service);
		if (entry != null) {
			return entry;
		}
		synchronized (this.scanLock) {
			entry = this.entries.get(service);
			if (entry == null) {
				entry = read(service, null);
				this.entries.put(service, entry);
			}
			return entry;
		}
	}

	/** Re-reads one service. @return whether the version served for it changed */
	private boolean reload(String service) {
		Entry previous = this.entries.get(service);
		Entry next = read(service, previous);
		this.entries.put(service, next);
		return previous == null || !previous.version().equals(next.version());
	}

	private Entry read(String service, Entry previous) {
		Instant now = this.clock.instant();
		long started = System.nanoTime();
		List<PolicySource> sources;
		Environment raw;
		try {
			raw = repository().findOne(service, "default", null, true);
			sources = toSources(raw);
		}
		catch (RuntimeException ex) {
			return rejected(service, previous, null, unreadable(service, ex), null, now);
		}
		String version = PolicyVersion.of(sources);
		boolean ownFile = sources.stream().anyMatch((source) -> isOwnFile(service, source.name()));
		List<PolicySource> defaults = sources.stream()
			.filter((source) -> !isOwnFile(service, source.name()))
			.collect(Collectors.toList());
		Set<PolicyError> errors = new LinkedHashSet<>();
		try {
			PolicyBinder.bind(service, sources);
		}
		catch (PolicyException ex) {
			errors.addAll(ex.getErrors());
		}
		if (ownFile) {
			// The mesh-wide defaults must be valid on their own: a bad value there that a
			// service's own file happens to override is still a broken application.yml, and
			// serving it to some services but not others would split the mesh.
			try {
				PolicyBinder.bind(service, defaults);
			}
			catch (PolicyException ex) {
				errors.addAll(ex.getErrors());
			}
		}
		if (!errors.isEmpty()) {
			return rejected(service, previous, version, List.copyOf(errors), defaults, now);
		}
		if (previous != null && previous.valid() && previous.version().equals(version)) {
			return previous.checked(now);
		}
		if (previous == null || !previous.version().equals(version)) {
			logger.info("Serving policy " + version + " for " + service + (ownFile ? "" : " (mesh-wide defaults)")
					+ " (read and validated in " + (System.nanoTime() - started) / 1_000_000 + " ms)");
		}
		Instant since = (previous != null && previous.version().equals(version)) ? previous.servedSince() : now;
		return new Entry(service, version, Served.of(served(service, version, raw)), ownFile, true, false, null, List.of(), since,
				now);
	}

	/**
	 * The entry for content that was rejected: the last valid version when there is one;
	 * when the service's own content was never valid, the mesh-wide defaults as they are now
	 * (so it follows changes to them), or, while those are invalid too, what it was served
	 * before, or at first the built-in defaults.
	 * @param defaults the mesh-wide defaults as read with the rejected content, or
	 * {@code null} when the content could not be read
	 */
	private Entry rejected(String service, Entry previous, String version, List<PolicyError> errors,
			List<PolicySource> defaults, Instant now) {
		if (previous == null || !errors.equals(previous.errors())) {
			logger.warn("Rejected policy " + version + " for " + service + ": "
					+ errors.stream().map(PolicyError::toString).collect(Collectors.joining("; "))
					+ ((previous != null) ? "; still serving " + previous.version() : ""));
		}
		if (previous != null && !previous.fallback()) {
			return previous.rejected(version, errors, now);
		}
		List<PolicySource> fallback = validDefaults(service, defaults);
		if (fallback == null) {
			if (previous != null) {
				return previous.rejected(version, errors, now);
			}
			fallback = List.of();
		}
		String fallbackVersion = PolicyVersion.of(fallback);
		Environment served = new Environment(service, new String[] { "default" }, null, fallbackVersion, null);
		for (PolicySource source : fallback) {
			served.add(new PropertySource(source.name(), new LinkedHashMap<>(source.properties())));
		}
		Instant since = (previous != null && previous.version().equals(fallbackVersion)) ? previous.servedSince()
				: now;
		if (previous == null || !previous.version().equals(fallbackVersion)) {
			logger.info("Serving policy " + fallbackVersion + " for " + service
					+ " (mesh-wide defaults: its own policy was never valid)");
		}
		return new Entry(service, fallbackVersion, Served.of(served), false, false, true, version, errors, since, now);
	}

	/**
	 * The mesh-wide defaults when they are valid for the service, else {@code null}.
	 * @param defaults the defaults already read, or {@code null} to read them now
	 */
	private List<PolicySource> validDefaults(String service, List<PolicySource> defaults) {
		try {
			List<PolicySource> sources = (defaults != null) ? defaults
					: toSources(repository().findOne(DEFAULTS, "default", null, true));
			PolicyBinder.bind(service, sources);
			return sources;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/**
	 * Errors for content the backend could not read at all, such as malformed YAML: the
	 * backend's message names no file, so the service's own files and the mesh-wide defaults
	 * are read one by one to find the culprit.
	 */
	private List<PolicyError> unreadable(String service, RuntimeException ex) {
		List<PolicyError> errors = new ArrayList<>();
		List<Path> candidates = this.files.keySet()
			.stream()
			.filter((file) -> {
				String owner = PolicyFiles.serviceOf(file.getFileName().toString());
				return owner.equals(service) || owner.equals(DEFAULTS);
			})
			.sorted()
			.collect(Collectors.toList());
		for (Path file : candidates) {
			try {
				PolicyFiles.read(file);
			}
			catch (PolicyException notReadable) {
				notReadable.getErrors().forEach((error) -> errors.add(withParserPosition(error)));
			}
			catch (RuntimeException other) {
				// Gone or unreadable since the scan: the backend's message below says enough.
			}
		}
		if (errors.isEmpty()) {
			errors.add(new PolicyError(null, "(repository)", null, "cannot read policy: " + ex.getMessage()));
		}
		return errors;
	}

	/** Takes the position from a YAML parser's message ("line 3, column 14") when none is set. */
	private static PolicyError withParserPosition(PolicyError error) {
		if (error.position() != null || error.reason() == null) {
			return error;
		}
		Matcher matcher = PARSER_POSITION.matcher(error.reason());
		return matcher.find()
				? new PolicyError(error.file(), error.field(), matcher.group(1) + ":" + matcher.group(2), error.reason())
				: error;
	}

	/**
	 * The local directories policy files are read from, when the backend is a directory (not
	 * a git clone, whose files change only when the control plane itself fetches): where file
	 * system events can tell of an edit sooner than the next scan.
	 */
	public List<Path> directories() {
		EnvironmentRepository repository = repository();
		if (!(repository instanceof SearchPathLocator locator) || repository instanceof JGitEnvironmentRepository) {
			return List.of();
		}
		List<Path> directories = new ArrayList<>();
		try {
			for (String location : locator.getLocations(DEFAULTS, "default", null).getLocations()) {
				Path dir = toPath(location);
				if (dir != null && Files.isDirectory(dir) && !directories.contains(dir.toAbsolutePath().normalize())) {
					directories.add(dir.toAbsolutePath().normalize());
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Cannot list the policy directories to watch: " + ex.getMessage());
		}
		return directories;
	}

	/**
	 * The policy files and their stamps; null when nothing should be scanned now (a git
	 * clone is only re-checked at git's refresh rate, or when the webhook forces it).
	 */
	private Map<Path, FileStamp> listFiles() {
		EnvironmentRepository repository = repository();
		if (!(repository instanceof SearchPathLocator locator)) {
			return Map.of();
		}
		if (repository instanceof JGitEnvironmentRepository git) {
			Instant now = this.clock.instant();
			Duration every = Duration.ofSeconds(Math.max(1, git.getRefreshRate()));
			if (!this.gitCheckForced && now.isBefore(this.lastGitCheck.plus(every))) {
				return null;
			}
			this.gitCheckForced = false;
			this.lastGitCheck = now;
		}
		SearchPathLocator.Locations locations;
		try {
			locations = locator.getLocations(DEFAULTS, "default", null);
		}
		catch (RuntimeException ex) {
			List<PolicyError> unreachable = List.of(new PolicyError(null, "(repository)", null,
					"cannot read the policy repository: " + ex.getMessage()));
			if (!unreachable.equals(this.repositoryErrors)) {
				logger.warn("Policy repository unreachable, serving the last valid policy: " + ex.getMessage());
			}
			this.repositoryErrors = unreachable;
			return null;
		}
		this.revision = locations.getVersion();
		Map<Path, FileStamp> result = new HashMap<>();
		for (String location : locations.getLocations()) {
			Path dir = toPath(location);
			if (dir == null || !Files.isDirectory(dir)) {
				continue;
			}
			try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
				for (Path file : stream) {
					if (PolicyFiles.isPolicyFile(file.getFileName().toString()) && Files.isRegularFile(file)) {
						result.put(file.toAbsolutePath().normalize(), stamp(file));
					}
				}
			}
			catch (IOException ex) {
				logger.warn("Cannot list policy directory " + dir + ": " + ex.getMessage());
			}
		}
		return result;
	}

	private FileStamp stamp(Path file) {
		try {
			BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
			FileStamp known = this.files.get(file.toAbsolutePath().normalize());
			long modified = attributes.lastModifiedTime().toMillis();
			// Re-hash when the file looks changed, or was modified too recently for its time
			// stamp to tell two writes apart. File times come from the wall clock, so that is
			// the clock to compare them with, not the injected one.
			if (known != null && known.modified() == modified && known.size() == attributes.size()
					&& System.currentTimeMillis() - modified > RACY_WINDOW_MILLIS) {
				return known;
			}
			return new FileStamp(modified, attributes.size(), DigestUtils.md5DigestAsHex(Files.readAllBytes(file)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Path toPath(String location) {
		String file = location.startsWith("optional:") ? location.substring("optional:".length()) : location;
		if (!file.startsWith("file:")) {
			return null;
		}
		String path = file.substring("file:".length());
		return Paths.get(path.startsWith("//") ? path.substring(2) : path);
	}

	private static List<PolicySource> toSources(Environment environment) {
		List<PolicySource> sources = new ArrayList<>();
		for (PropertySource source : environment.getPropertySources()) {
			Map<String, Object> properties = new LinkedHashMap<>();
			Map<String, String> positions = new HashMap<>();
			source.getSource().forEach((key, value) -> {
				if (value instanceof PropertyValueDescriptor descriptor) {
					properties.put(key.toString(), descriptor.getValue());
					if (descriptor.getOrigin() != null) {
						positions.put(key.toString(), descriptor.getOrigin());
					}
				}
				else {
					properties.put(key.toString(), value);
				}
			});
			sources.add(new PolicySource(shortName(source.getName()), properties, positions));
		}
		return sources;
	}

	/** {@code file:/repo/policy/orders.yml} or a git URL with a path gives {@code orders.yml}. */
	static String shortName(String sourceName) {
		String name = sourceName;
		int document = name.indexOf(" (document #");
		if (document > 0) {
			name = name.substring(0, document);
		}
		name = name.replace('\\', '/');
		if (name.endsWith("]")) {
			name = name.substring(0, name.length() - 1);
		}
		return name.substring(name.lastIndexOf('/') + 1);
	}

	private static boolean isOwnFile(String service, String fileName) {
		return PolicyFiles.serviceOf(fileName).equals(service);
	}

	private static Environment served(String service, String version, Environment raw) {
		Environment served = new Environment(service, new String[] { "default" }, raw.getLabel(), version, null);
		for (PropertySource source : raw.getPropertySources()) {
			Map<String, Object> plain = new LinkedHashMap<>();
			source.getSource().forEach((key, value) -> plain.put(key.toString(),
					(value instanceof PropertyValueDescriptor descriptor) ? descriptor.getValue() : value));
			served.add(new PropertySource(source.getName(), plain));
		}
		return served;
	}

	/**
	 * An environment as the store holds it: each source's keys and values in two arrays, and
	 * every string shared with equal strings of other services (interned). A policy of 100
	 * routes has about 700 keys, mostly the same from service to service; held as maps of their
	 * own they cost about 110 KB per service, so 10,000 such services did not fit in 512 MiB.
	 * A fresh {@link Environment} is made for each request, as a copy was before.
	 */
	private record Served(String name, String[] profiles, String label, String version, List<Part> parts) {

		static Served of(Environment environment) {
			List<Part> parts = new ArrayList<>(environment.getPropertySources().size());
			for (PropertySource source : environment.getPropertySources()) {
				Map<?, ?> map = source.getSource();
				String[] keys = new String[map.size()];
				Object[] values = new Object[map.size()];
				int i = 0;
				for (Map.Entry<?, ?> entry : map.entrySet()) {
					keys[i] = String.valueOf(entry.getKey()).intern();
					values[i] = (entry.getValue() instanceof String value) ? value.intern() : entry.getValue();
					i++;
				}
				parts.add(new Part(source.getName().intern(), keys, values));
			}
			return new Served(environment.getName(), environment.getProfiles(), environment.getLabel(),
					environment.getVersion(), List.copyOf(parts));
		}

		Environment toEnvironment() {
			Environment environment = new Environment(this.name, this.profiles, this.label, this.version, null);
			for (Part part : this.parts) {
				Map<String, Object> map = new LinkedHashMap<>((int) (part.keys.length / 0.75f) + 1);
				for (int i = 0; i < part.keys.length; i++) {
					map.put(part.keys[i], part.values[i]);
				}
				environment.add(new PropertySource(part.name, map));
			}
			return environment;
		}

	}

	private record Part(String name, String[] keys, Object[] values) {
	}

	private void notifyListeners(String service) {
		for (Consumer<String> listener : this.listeners) {
			try {
				listener.accept(service);
			}
			catch (RuntimeException ex) {
				logger.warn("Policy listener failed for " + service, ex);
			}
		}
	}

	private record FileStamp(long modified, long size, String hash) {

		@Override
		public boolean equals(Object other) {
			return other instanceof FileStamp stamp && this.hash.equals(stamp.hash);
		}

		@Override
		public int hashCode() {
			return this.hash.hashCode();
		}

	}

	/**
	 * What is served for one service, and the outcome of its latest read.
	 * @param fallback whether the service is served the mesh-wide defaults because its own
	 * content was never valid
	 */
	private record Entry(String service, String version, Served served, boolean ownFile, boolean valid,
			boolean fallback, String rejectedVersion, List<PolicyError> errors, Instant servedSince,
			Instant checkedAt) {

		Entry checked(Instant now) {
			return new Entry(this.service, this.version, this.served, this.ownFile, this.valid, this.fallback,
					this.rejectedVersion, this.errors, this.servedSince, now);
		}

		/** Keeps serving this entry's version, recording why the latest content was rejected. */
		Entry rejected(String rejectedVersion, List<PolicyError> errors, Instant now) {
			return new Entry(this.service, this.version, this.served, this.ownFile, false, this.fallback,
					rejectedVersion, errors, this.servedSince, now);
		}

		PolicyStatus status() {
			return new PolicyStatus(this.service, this.version, this.ownFile, this.valid, this.rejectedVersion,
					this.errors, this.servedSince, this.checkedAt);
		}

	}

}
