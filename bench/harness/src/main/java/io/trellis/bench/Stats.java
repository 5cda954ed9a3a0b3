package io.trellis.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median and range of repeated measurements. */
final class Stats {

	private Stats() {
	}

	static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	static double min(List<Double> values) {
		return Collections.min(values);
	}

	static double max(List<Double> values) {
		return Collections.max(values);
	}

	/** {@code median (min–max)}, or just the value for a single run. */
	static String format(List<Double> values, String unit, int decimals) {
		String pattern = "%." + decimals + "f";
		String median = String.format(Locale.ROOT, pattern, median(values));
		if (values.size() == 1) {
			return median + unit;
		}
		return median + unit + " (" + String.format(Locale.ROOT, pattern, min(values)) + "–"
				+ String.format(Locale.ROOT, pattern, max(values)) + ")";
	}

	static String number(double value, int decimals) {
		return String.format(Locale.ROOT, "%." + decimals + "f", value);
	}

}
