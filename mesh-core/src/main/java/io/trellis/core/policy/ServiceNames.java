package io.trellis.core.policy;

import java.util.regex.Pattern;

/**
 * The rule for service and subset names: a DNS label (lower-case letters, digits and '-',
 * starting and ending with a letter or digit, at most 63 characters), so that the same names
 * work as Kubernetes service names.
 */
public final class ServiceNames {

	private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

	private ServiceNames() {
	}

	/** Whether {@code name} is a valid service or subset name. */
	public static boolean isValid(String name) {
		return name != null && DNS_LABEL.matcher(name).matches();
	}

	/** Returns {@code name}, or throws naming it when it is not a valid name. */
	public static String requireValid(String name) {
		if (!isValid(name)) {
			throw new IllegalArgumentException("'" + name + "' is not a valid service name: use lower-case letters, "
					+ "digits and '-', starting and ending with a letter or digit, at most 63 characters");
		}
		return name;
	}

}
