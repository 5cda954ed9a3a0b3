package io.trellis.core.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A policy version: the first 12 hex digits of the SHA-256 of the sources' names and sorted
 * properties. The same content always gives the same version, whichever backend served it.
 */
public final class PolicyVersion {

	private PolicyVersion() {
	}

	public static String of(List<PolicySource> sources) {
		MessageDigest digest;
		try {
			digest = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
		for (PolicySource source : sources) {
			digest.update(source.name().getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
			for (Map.Entry<String, Object> entry : new TreeMap<>(source.properties()).entrySet()) {
				digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
				digest.update((byte) '=');
				digest.update(String.valueOf(entry.getValue()).getBytes(StandardCharsets.UTF_8));
				digest.update((byte) '\n');
			}
			digest.update((byte) 1);
		}
		return HexFormat.of().formatHex(digest.digest(), 0, 6);
	}

}
