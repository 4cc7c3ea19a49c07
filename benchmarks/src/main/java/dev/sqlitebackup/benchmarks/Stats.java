package dev.sqlitebackup.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Medians, percentiles and the "median [min–max]" notation the result tables use. */
final class Stats {

	private Stats() {
	}

	static double median(List<Double> values) {
		return percentile(values, 50);
	}

	static double percentile(List<Double> values, double percent) {
		if (values.isEmpty()) {
			return Double.NaN;
		}
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
		Arrays.sort(sorted);
		int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	static double min(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
	}

	static double max(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
	}

	/** {@code median [min–max]} with the given number of decimals. */
	static String spread(List<Double> values, int decimals) {
		if (values.isEmpty()) {
			return "–";
		}
		String format = "%." + decimals + "f";
		if (values.size() == 1) {
			return String.format(Locale.ROOT, format, values.get(0));
		}
		return String.format(Locale.ROOT, format + " [" + format + "–" + format + "]", median(values), min(values),
				max(values));
	}

	static String ratio(double value, double baseline) {
		return String.format(Locale.ROOT, "%.2f×", value / baseline);
	}

}
