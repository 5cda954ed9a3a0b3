package io.trellis.core.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes a route makes to the headers of its requests or of their responses: {@code set}
 * replaces a header's values, {@code add} appends a value, {@code remove} drops the header,
 * in that order (so a header both set and removed is removed).
 *
 * @param set header name to the value it gets
 * @param add header name to a value appended to those it has
 * @param remove header names dropped
 */
public record HeaderRewrite(Map<String, String> set, Map<String, String> add, List<String> remove) {

	/** No change. */
	public static final HeaderRewrite NONE = new HeaderRewrite(Map.of(), Map.of(), List.of());

	public HeaderRewrite {
		set = (set != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(set)) : Map.of();
		add = (add != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(add)) : Map.of();
		remove = (remove != null) ? List.copyOf(remove) : List.of();
	}

	/** Whether this changes anything. */
	public boolean active() {
		return !this.set.isEmpty() || !this.add.isEmpty() || !this.remove.isEmpty();
	}

}
