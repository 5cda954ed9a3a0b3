package io.trellis.configserver.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.configserver.policy.PolicyStore;
import io.trellis.core.policy.ServiceNames;
import io.trellis.core.sync.PolicyAck;
import io.trellis.core.sync.SidecarStatus;
import io.trellis.core.sync.SidecarStatus.PolicySync;
import io.trellis.core.sync.SyncReport;
import io.trellis.core.sync.SyncState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Which policy version each sidecar runs, from the ACK/NACK reports sidecars send after every
 * change and with their heartbeats, compared with what the control plane serves now.
 */
public class SyncStatusRegistry {

	private static final Log logger = LogFactory.getLog(SyncStatusRegistry.class);

	private final PolicyStore policies;

	private final Clock clock;

	private final Duration staleAfter;

	private final Duration forgetAfter;

	private final Map<String, Reported> sidecars = new ConcurrentHashMap<>();

	public SyncStatusRegistry(PolicyStore policies, Clock clock, Duration staleAfter, Duration forgetAfter) {
		this.policies = policies;
		this.clock = clock;
		this.staleAfter = staleAfter;
		this.forgetAfter = forgetAfter;
	}

	/**
	 * Records a sidecar's report.
	 * @throws IllegalArgumentException naming what is missing or malformed
	 */
	public void report(SyncReport report) {
		if (report.sidecar() == null || report.sidecar().isBlank()) {
			throw new IllegalArgumentException("A sync report must name its sidecar");
		}
		ServiceNames.requireValid(report.service());
		for (PolicyAck ack : report.policies()) {
			ServiceNames.requireValid(ack.service());
		}
		Reported previous = this.sidecars.put(report.sidecar(), new Reported(report, this.clock.instant()));
		for (PolicyAck ack : report.policies()) {
			if (ack.rejected() != null && (previous == null || !ack.rejected().equals(rejected(previous, ack.service())))) {
				logger.warn("Sidecar " + report.sidecar() + " rejected policy " + ack.rejected() + " for " + ack.service()
						+ ": " + ack.reason());
			}
		}
	}

	/** Notes that a sidecar was heard from, as its watch requests do. */
	public void seen(String sidecar) {
		this.sidecars.computeIfPresent(sidecar, (id, reported) -> new Reported(reported.report, this.clock.instant()));
	}

	/** Forgets the sidecar of an instance, as when the instance deregisters on a clean shutdown. */
	public void forget(String service, String instance) {
		this.sidecars.values()
			.removeIf((reported) -> service.equals(reported.report.service())
					&& instance.equals(reported.report.instance()));
	}

	/** Every sidecar heard from within the forget window, with its state. */
	public List<SidecarStatus> statuses() {
		Instant now = this.clock.instant();
		this.sidecars.values().removeIf((reported) -> reported.lastSeen.plus(this.forgetAfter).isBefore(now));
		List<SidecarStatus> result = new ArrayList<>();
		for (Reported reported : this.sidecars.values()) {
			result.add(status(reported, now));
		}
		result.sort(Comparator.comparing(SidecarStatus::service).thenComparing(SidecarStatus::sidecar));
		return result;
	}

	private SidecarStatus status(Reported reported, Instant now) {
		List<PolicySync> policies = new ArrayList<>();
		SyncState overall = SyncState.SYNCED;
		for (PolicyAck ack : reported.report.policies()) {
			String served = this.policies.version(ack.service());
			SyncState state;
			if (served.equals(ack.rejected())) {
				state = SyncState.REJECTED;
			}
			else if (served.equals(ack.applied())) {
				state = SyncState.SYNCED;
			}
			else {
				state = SyncState.STALE;
			}
			policies.add(new PolicySync(ack.service(), served, ack.applied(), ack.rejected(), ack.reason(), state));
			overall = worse(overall, state);
		}
		if (reported.lastSeen.plus(this.staleAfter).isBefore(now)) {
			overall = worse(overall, SyncState.STALE);
		}
		policies.sort(Comparator.comparing(PolicySync::service));
		return new SidecarStatus(reported.report.sidecar(), reported.report.service(), reported.report.instance(),
				overall, reported.lastSeen, policies);
	}

	private static SyncState worse(SyncState a, SyncState b) {
		return (a.ordinal() >= b.ordinal()) ? a : b;
	}

	private static String rejected(Reported reported, String service) {
		return reported.report.policies()
			.stream()
			.filter((ack) -> ack.service().equals(service))
			.map(PolicyAck::rejected)
			.findFirst()
			.orElse(null);
	}

	private record Reported(SyncReport report, Instant lastSeen) {
	}

}
