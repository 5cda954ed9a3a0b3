package io.trellis.core.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when policy does not bind or does not validate; carries every error found, each
 * naming its file and field.
 */
public class PolicyException extends RuntimeException {

	private final transient List<PolicyError> errors;

	public PolicyException(String service, List<PolicyError> errors) {
		super(message(service, errors));
		this.errors = List.copyOf(errors);
	}

	public List<PolicyError> getErrors() {
		return this.errors;
	}

	private static String message(String service, List<PolicyError> errors) {
		return "Invalid policy for service '" + service + "': "
				+ errors.stream().map(PolicyError::toString).collect(Collectors.joining("; "));
	}

}
