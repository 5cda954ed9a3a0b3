package io.trellis.configserver.policy;

import java.util.List;
import java.util.Set;

import io.trellis.core.policy.PolicyError;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What policy is served and why anything was rejected; and the refresh webhook a git host
 * calls on push.
 */
@RestController
@RequestMapping("/mesh/v1/policy")
public class PolicyController {

	private final PolicyStore store;

	public PolicyController(PolicyStore store) {
		this.store = store;
	}

	@GetMapping
	public PolicyReport policies() {
		return new PolicyReport(this.store.revision(), this.store.statuses(), this.store.repositoryErrors());
	}

	/** Webhook: fetches the repository now and applies what changed. Accepts any push payload. */
	@PostMapping("/refresh")
	public RefreshResult refresh() {
		Set<String> changed = this.store.refresh();
		return new RefreshResult(changed, this.store.revision());
	}

	/**
	 * @param changed the services whose served version changed
	 * @param revision the repository revision now read (the git commit for git), or null
	 */
	public record RefreshResult(Set<String> changed, String revision) {
	}

	/**
	 * @param revision the repository revision last read (the git commit for git)
	 * @param services per service, what is served and whether the latest content was valid
	 * @param repositoryErrors problems with the repository itself, such as badly named files
	 */
	public record PolicyReport(String revision, List<PolicyStatus> services, List<PolicyError> repositoryErrors) {
	}

}
