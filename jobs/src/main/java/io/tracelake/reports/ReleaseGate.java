package io.tracelake.reports;

import io.tracelake.UserInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code --fail-if} threshold of {@code release-compare}: {@code METRIC > VALUE} or {@code METRIC < VALUE}, the
 * value absolute ({@code error_rate > +0.02}: the candidate's rate more than 0.02 above the baseline's) or relative
 * with {@code %} ({@code p95_duration_ms > +10%}). It fails only when the whole 95 % interval is past the threshold,
 * so noise alone does not fail a release; a metric without an interval (nothing to measure it on) fails, since the
 * gate cannot show it passes.
 */
public record ReleaseGate(String text, String metric, boolean above, double value, boolean relative) {

  private static final Pattern SYNTAX = Pattern.compile(
      "\\s*([a-z0-9_]+)\\s*([<>])\\s*([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))\\s*(%?)\\s*");

  /** Parses a threshold; an unknown metric or another syntax is the user's error, naming what is valid. */
  public static ReleaseGate parse(String text) {
    Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new UserInputException("Invalid --fail-if '" + text + "': write METRIC > VALUE or METRIC < VALUE, "
          + "the value absolute or with %, e.g. \"p95_duration_ms > +10%\" or \"error_rate > +0.02\"");
    }
    String metric = m.group(1);
    if (!ReleaseComparison.TESTED.contains(metric)) {
      throw new UserInputException("Invalid --fail-if '" + text + "': unknown metric '" + metric + "'; valid: "
          + String.join(", ", ReleaseComparison.TESTED));
    }
    boolean relative = !m.group(4).isEmpty();
    double value = Double.parseDouble(m.group(3)) / (relative ? 100 : 1);
    return new ReleaseGate(text.trim(), metric, m.group(2).equals(">"), value, relative);
  }

  /** Why the candidate fails this threshold, or null when it passes. */
  public String failure(ReleaseComparison.Result result) {
    ReleaseComparison.Metric m = result.metric(metric);
    double low = relative ? m.relativeLow() : m.low();
    double high = relative ? m.relativeHigh() : m.high();
    if (!Double.isFinite(low) || !Double.isFinite(high)) {
      return text + ": no interval for " + metric + " (a release has nothing to measure it on)";
    }
    boolean failed = above ? low > value : high < value;
    if (!failed) {
      return null;
    }
    return String.format(Locale.ROOT, "%s: the %s interval of the difference is [%s, %s]", text,
        relative ? "relative" : "absolute", show(low), show(high));
  }

  private String show(double v) {
    return relative ? String.format(Locale.ROOT, "%+.1f%%", 100 * v) : String.format(Locale.ROOT, "%+.4g", v);
  }
}
