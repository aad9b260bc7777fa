package io.tracelake.reports;

import java.util.Map;

/** Plain-text layouts shared by the reports. */
final class TextTables {

  private TextTables() {}

  /**
   * A pandas-Series-like listing: keys left-aligned to the longest key, four spaces, values right-aligned. Prints
   * "(none)" for an empty series.
   */
  static String series(Map<String, ?> values) {
    if (values.isEmpty()) {
      return "(none)\n";
    }
    int keyWidth = values.keySet().stream().mapToInt(k -> String.valueOf(k).length()).max().orElse(0);
    int valueWidth = values.values().stream().mapToInt(v -> String.valueOf(v).length()).max().orElse(0);
    StringBuilder out = new StringBuilder();
    values.forEach((k, v) -> out.append(String.format("%-" + keyWidth + "s    %" + valueWidth + "s%n",
        String.valueOf(k), String.valueOf(v))));
    return out.toString();
  }
}
