package io.trellis.gateway.telemetry;

/** Writes a JSON string without a JSON library: for the few small documents the sidecar writes by hand. */
public final class JsonStrings {

	private JsonStrings() {
	}

	/** Appends {@code value} to {@code json} as a quoted, escaped JSON string. */
	public static void quote(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
