package io.trellis.configserver.policy;

import java.util.ArrayList;

import io.trellis.core.policy.ServiceNames;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.cloud.config.server.environment.CompositeEnvironmentRepository;

/**
 * The repository behind Config Server's Environment API in Trellis: it answers from the
 * {@link PolicyStore}, so a sidecar fetching {@code /config/{service}/default} gets the last
 * valid policy of that service with the policy version as the environment's version, never a
 * file that failed validation. Profiles and labels do not select policy: every request gets
 * what the store serves for the service.
 * <p>
 * It takes the place of the composite Config Server puts in front of its backends (the
 * composite backs off when a {@link CompositeEnvironmentRepository} bean exists), so the
 * backend itself (directory or git) stays Config Server's own, and only this repository
 * answers the Environment API.
 */
public class ValidatedEnvironmentRepository extends CompositeEnvironmentRepository {

	private final PolicyStore store;

	public ValidatedEnvironmentRepository(PolicyStore store) {
		super(new ArrayList<>(), false);
		this.store = store;
	}

	@Override
	public Environment findOne(String application, String profile, String label) {
		return findOne(application, profile, label, false);
	}

	@Override
	public Environment findOne(String application, String profile, String label, boolean includeOrigin) {
		if (!PolicyStore.DEFAULTS.equals(application) && !ServiceNames.isValid(application)) {
			throw new IllegalArgumentException("Policy is served for one service at a time, named by a valid "
					+ "service name, not '" + application + "'");
		}
		return this.store.environment(application);
	}

}
