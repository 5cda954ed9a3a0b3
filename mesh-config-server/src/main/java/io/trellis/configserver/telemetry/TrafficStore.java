package io.trellis.configserver.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.trellis.core.policy.ServiceNames;
import io.trellis.core.telemetry.EdgeTraffic;
import io.trellis.core.telemetry.TrafficReport;

/**
 * The traffic reports of every sidecar over a sliding window, in bounded memory: the dashboard's
 * source of requests per second, success rates and latency. Reports hold the counts of one
 * interval each; those a sidecar sends within one slot (a thirtieth of the window) are added
 * together, so a sidecar holds about thirty slots whatever its report interval. Slots older
 * than the window are dropped, and with the last of them the sidecar. Rates are counts over
 * the time the reports cover, silence included: sidecars send no report while idle.
 */
public class TrafficStore {

	/** The peer a sidecar reports for inbound calls that did not come through a sidecar. */
	public static final String UNKNOWN_PEER = "unknown";

	/** Longest report interval taken: an hour. */
	static final long MAX_INTERVAL_MILLIS = 3_600_000;

	/** Most requests one entry of one report may count, so that sums cannot overflow. */
	static final long MAX_COUNT = 1_000_000_000_000L;

	/** Longest sidecar or instance id taken. */
	static final int MAX_ID_LENGTH = 256;

	private static final int SLOTS_PER_WINDOW = 30;

	private final Clock clock;

	private final Duration window;

	private final long slotMillis;

	private final int maxSidecars;

	private final int maxEdgesPerReport;

	private final long maxEdges;

	private final Map<String, SidecarWindow> sidecars = new ConcurrentHashMap<>();

	/** Entries held in all slots of all sidecars, bounded by {@link #maxEdges}. */
	private final AtomicLong stored = new AtomicLong();

	private final AtomicLong nextSweep = new AtomicLong();

	/**
	 * @param clock the clock reports are timed by when they arrive
	 * @param window the time over which figures are computed
	 * @param maxSidecars the most sidecars kept
	 * @param maxEdgesPerReport the most entries one report may hold
	 * @param maxEdges the most entries kept over all sidecars
	 */
	public TrafficStore(Clock clock, Duration window, int maxSidecars, int maxEdgesPerReport, long maxEdges) {
		this.clock = clock;
		this.window = window;
		this.slotMillis = Math.max(1, window.toMillis() / SLOTS_PER_WINDOW);
		this.maxSidecars = maxSidecars;
		this.maxEdgesPerReport = maxEdgesPerReport;
		this.maxEdges = maxEdges;
	}

	public Duration getWindow() {
		return this.window;
	}

	/**
	 * Adds a sidecar's report to the window.
	 * @throws IllegalArgumentException naming what is missing or malformed
	 * @throws TrafficLimitException when keeping it would exceed the store's bounds
	 */
	public void record(TrafficReport report) {
		validate(report);
		long now = this.clock.millis();
		sweepIfDue(now);
		Map<TrafficKey, TrafficTotals> counts = merged(report.edges());
		while (true) {
			SidecarWindow sidecar = this.sidecars.get(report.sidecar());
			if (sidecar == null) {
				if (this.sidecars.size() >= this.maxSidecars) {
					sweep(now);
					if (this.sidecars.size() >= this.maxSidecars) {
						throw new TrafficLimitException("The control plane keeps the traffic of at most "
								+ this.maxSidecars + " sidecars (mesh.control-plane.telemetry.max-sidecars); "
								+ "report of " + report.sidecar() + " not kept");
					}
				}
				sidecar = this.sidecars.computeIfAbsent(report.sidecar(), (id) -> new SidecarWindow());
			}
			synchronized (sidecar) {
				if (sidecar.removed) {
					// Swept away since it was looked up: look it up again.
					continue;
				}
				expire(sidecar, now);
				try {
					sidecar.add(report, counts, now);
				}
				finally {
					if (sidecar.slots.isEmpty()) {
						// Refused: a sidecar kept for nothing but this report goes again.
						remove(report.sidecar(), sidecar);
					}
				}
				return;
			}
		}
	}

	/**
	 * What every sidecar reported within the window, added up per direction and peer; sidecars
	 * ordered by service and id.
	 */
	public List<SidecarTraffic> snapshot() {
		long now = this.clock.millis();
		sweepIfDue(now);
		List<SidecarTraffic> result = new ArrayList<>(this.sidecars.size());
		for (Map.Entry<String, SidecarWindow> entry : this.sidecars.entrySet()) {
			SidecarWindow sidecar = entry.getValue();
			synchronized (sidecar) {
				expire(sidecar, now);
				if (sidecar.slots.isEmpty()) {
					remove(entry.getKey(), sidecar);
					continue;
				}
				Map<TrafficKey, TrafficTotals> totals = new LinkedHashMap<>();
				long intervals = 0;
				for (Slot slot : sidecar.slots) {
					intervals += slot.intervalMillis;
					slot.counts.forEach((key, counts) -> totals.merge(key, counts, TrafficTotals::plus));
				}
				// Sidecars send nothing while they carry no traffic: time after the last report
				// beyond one interval is time without requests, and counts.
				long end = Math.max(sidecar.lastReport, now - sidecar.lastIntervalMillis);
				long covered = Math.max(intervals, end - sidecar.slots.peekFirst().coverStart);
				result.add(new SidecarTraffic(entry.getKey(), sidecar.service, sidecar.instance,
						Instant.ofEpochMilli(sidecar.lastReport), covered, totals));
			}
		}
		result.sort(Comparator.comparing(SidecarTraffic::service).thenComparing(SidecarTraffic::sidecar));
		return result;
	}

	/** How many entries (direction and peer, per slot) the store holds now. */
	public long storedEdges() {
		return this.stored.get();
	}

	/** How many sidecars the store holds reports of now. */
	public int sidecars() {
		return this.sidecars.size();
	}

	private void validate(TrafficReport report) {
		if (report.sidecar() == null || report.sidecar().isBlank() || report.sidecar().length() > MAX_ID_LENGTH) {
			throw new IllegalArgumentException("A traffic report must name its sidecar (at most " + MAX_ID_LENGTH
					+ " characters), was " + quoted(report.sidecar()));
		}
		ServiceNames.requireValid(report.service());
		if (report.instance() == null || report.instance().isBlank() || report.instance().length() > MAX_ID_LENGTH) {
			throw new IllegalArgumentException("A traffic report must name its instance (at most " + MAX_ID_LENGTH
					+ " characters), was " + quoted(report.instance()));
		}
		if (report.intervalMillis() < 1 || report.intervalMillis() > MAX_INTERVAL_MILLIS) {
			throw new IllegalArgumentException("intervalMillis must be between 1 and " + MAX_INTERVAL_MILLIS
					+ ", was " + report.intervalMillis());
		}
		if (report.edges().size() > this.maxEdgesPerReport) {
			throw new IllegalArgumentException("A traffic report may hold at most " + this.maxEdgesPerReport
					+ " edges (mesh.control-plane.telemetry.max-edges-per-report), this one holds "
					+ report.edges().size());
		}
		for (int i = 0; i < report.edges().size(); i++) {
			validate("edges[" + i + "]", report.edges().get(i));
		}
	}

	private static void validate(String name, EdgeTraffic edge) {
		if (!EdgeTraffic.OUTBOUND.equals(edge.direction()) && !EdgeTraffic.INBOUND.equals(edge.direction())) {
			throw new IllegalArgumentException(name + ".direction must be '" + EdgeTraffic.OUTBOUND + "' or '"
					+ EdgeTraffic.INBOUND + "', was " + quoted(edge.direction()));
		}
		if (!ServiceNames.isValid(edge.peer())) {
			throw new IllegalArgumentException(name + ".peer: " + quoted(edge.peer()) + " is not a valid service "
					+ "name: use lower-case letters, digits and '-', starting and ending with a letter or digit, "
					+ "at most 63 characters");
		}
		if (edge.requests() < 0 || edge.requests() > MAX_COUNT) {
			throw new IllegalArgumentException(
					name + ".requests must be between 0 and " + MAX_COUNT + ", was " + edge.requests());
		}
		if (edge.failures() < 0 || edge.failures() > edge.requests()) {
			throw new IllegalArgumentException(name + ".failures must be between 0 and the requests ("
					+ edge.requests() + "), was " + edge.failures());
		}
		long[] latency = edge.latency();
		for (int i = 0; i < latency.length; i++) {
			if (latency[i] < 0 || latency[i] > MAX_COUNT) {
				throw new IllegalArgumentException(
						name + ".latency[" + i + "] must be between 0 and " + MAX_COUNT + ", was " + latency[i]);
			}
		}
	}

	private static String quoted(String value) {
		return (value != null) ? "'" + value + "'" : "missing";
	}

	/** The report's entries, those naming the same direction and peer added together. */
	private static Map<TrafficKey, TrafficTotals> merged(List<EdgeTraffic> edges) {
		Map<TrafficKey, TrafficTotals> counts = new HashMap<>();
		for (EdgeTraffic edge : edges) {
			counts.merge(new TrafficKey(edge.direction(), edge.peer()),
					new TrafficTotals(edge.requests(), edge.failures(), edge.latency().clone()), TrafficTotals::plus);
		}
		return counts;
	}

	/** Sweeps every sidecar at most once per slot, so silent sidecars do not hold memory. */
	private void sweepIfDue(long now) {
		long due = this.nextSweep.get();
		if (now >= due && this.nextSweep.compareAndSet(due, now + this.slotMillis)) {
			sweep(now);
		}
	}

	private void sweep(long now) {
		for (Map.Entry<String, SidecarWindow> entry : this.sidecars.entrySet()) {
			SidecarWindow sidecar = entry.getValue();
			synchronized (sidecar) {
				expire(sidecar, now);
				if (sidecar.slots.isEmpty()) {
					remove(entry.getKey(), sidecar);
				}
			}
		}
	}

	/** Drops the sidecar's slots that fell out of the window. Called holding its lock. */
	private void expire(SidecarWindow sidecar, long now) {
		long oldest = now - this.window.toMillis();
		while (!sidecar.slots.isEmpty() && sidecar.slots.peekFirst().lastReport <= oldest) {
			this.stored.addAndGet(-sidecar.slots.removeFirst().counts.size());
		}
	}

	/** Forgets a sidecar without slots. Called holding its lock. */
	private void remove(String id, SidecarWindow sidecar) {
		sidecar.removed = true;
		this.sidecars.remove(id, sidecar);
	}

	/** One sidecar's slots, oldest first; guarded by its own lock. */
	private final class SidecarWindow {

		final Deque<Slot> slots = new ArrayDeque<>();

		String service;

		String instance;

		long lastReport;

		long lastIntervalMillis;

		boolean removed;

		void add(TrafficReport report, Map<TrafficKey, TrafficTotals> counts, long now) {
			Slot last = this.slots.peekLast();
			Slot slot = (last != null && now - last.start < TrafficStore.this.slotMillis) ? last
					: new Slot(now, now - report.intervalMillis());
			int added = 0;
			for (TrafficKey key : counts.keySet()) {
				if (!slot.counts.containsKey(key)) {
					added++;
				}
			}
			if (TrafficStore.this.stored.addAndGet(added) > TrafficStore.this.maxEdges) {
				TrafficStore.this.stored.addAndGet(-added);
				throw new TrafficLimitException("The control plane keeps at most " + TrafficStore.this.maxEdges
						+ " traffic entries over all sidecars (mesh.control-plane.telemetry.max-edges); report of "
						+ report.sidecar() + " not kept");
			}
			counts.forEach((key, value) -> slot.counts.merge(key, value, TrafficTotals::plus));
			slot.intervalMillis += report.intervalMillis();
			slot.lastReport = now;
			if (slot != last) {
				this.slots.addLast(slot);
			}
			this.service = report.service();
			this.instance = report.instance();
			this.lastReport = now;
			this.lastIntervalMillis = report.intervalMillis();
		}

	}

	/** The reports one sidecar sent within one slot, added together. */
	private static final class Slot {

		/** When its first report arrived. */
		final long start;

		/** When the interval of its first report began. */
		final long coverStart;

		long lastReport;

		long intervalMillis;

		final Map<TrafficKey, TrafficTotals> counts = new HashMap<>();

		Slot(long start, long coverStart) {
			this.start = start;
			this.coverStart = coverStart;
			this.lastReport = start;
		}

	}

	/**
	 * What one sidecar reported within the window.
	 *
	 * @param sidecar its id
	 * @param service the service of its local app
	 * @param instance the instance id of its local app
	 * @param lastReport when its last report arrived
	 * @param coveredMillis the time its reports in the window cover: from the start of the first
	 * one's interval to its last report, or to one report interval ago when it has been silent
	 * longer (a sidecar without traffic sends no reports); at least their intervals added up
	 * @param edges counts per direction and peer
	 */
	public record SidecarTraffic(String sidecar, String service, String instance, Instant lastReport,
			long coveredMillis, Map<TrafficKey, TrafficTotals> edges) {

		/** The rate of {@code requests} over the time the reports cover. */
		public double perSecond(long requests) {
			return (this.coveredMillis > 0) ? requests * 1000.0 / this.coveredMillis : 0;
		}

	}

}
