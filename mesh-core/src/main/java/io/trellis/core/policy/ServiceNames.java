package io.trellis.core.policy;

/**
 * The rule for service and subset names: a DNS label (lower-case letters, digits and '-',
 * starting and ending with a letter or digit, at most 63 characters), so that the same names
 * work as Kubernetes service names.
 */
public final class ServiceNames {

	/** Longest valid name. */
	public static final int MAX_LENGTH = 63;

	private ServiceNames() {
	}

	/**
	 * Whether {@code name} is a valid service or subset name. Checked character by character
	 * rather than with a regular expression: sidecars check the destination of every request.
	 */
	public static boolean isValid(String name) {
		if (name == null) {
			return false;
		}
		int length = name.length();
		if (length == 0 || length > MAX_LENGTH || name.charAt(0) == '-' || name.charAt(length - 1) == '-') {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char c = name.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
				return false;
			}
		}
		return true;
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
