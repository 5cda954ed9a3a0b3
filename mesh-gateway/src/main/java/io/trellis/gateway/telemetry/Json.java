package io.trellis.gateway.telemetry;

import java.time.Instant;

/** Writes a {@link RequestRecord} as one line of JSON, without a JSON library on the way. */
final class Json {

	private Json() {
	}

	static String line(RequestRecord record) {
		StringBuilder json = new StringBuilder(256);
		json.append("{\"time\":\"").append(Instant.ofEpochMilli(record.startMillis())).append('"');
		field(json, "traceId", record.traceId());
		field(json, "direction", record.direction());
		field(json, "source", record.source());
		field(json, "destination", record.destination());
		field(json, "route", record.route());
		field(json, "subset", record.subset());
		field(json, "method", record.method());
		field(json, "path", record.path());
		json.append(",\"status\":").append(record.status());
		long micros = record.durationNanos() / 1000;
		json.append(",\"durationMs\":").append(micros / 1000).append('.');
		long fraction = micros % 1000;
		if (fraction < 100) {
			json.append('0');
		}
		if (fraction < 10) {
			json.append('0');
		}
		json.append(fraction);
		json.append(",\"retries\":").append(record.retries());
		field(json, "meshError", record.meshError());
		return json.append('}').toString();
	}

	private static void field(StringBuilder json, String name, String value) {
		json.append(",\"").append(name).append("\":");
		if (value == null) {
			json.append("null");
			return;
		}
		JsonStrings.quote(json, value);
	}

}
