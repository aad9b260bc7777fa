package io.tracelake.reports;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.analytics.FeedbackDaily;
import io.tracelake.schema.TraceColumns;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Two releases side by side: per metric, the baseline's and the candidate's value, their difference and a 95 %
 * bootstrap interval of the difference, with sessions as the resampling unit (the turns of one conversation are not
 * independent; a trace without a session is a unit of its own). Seeded, so the same traces give the same intervals.
 *
 * <p>Input: {@code traces} rows. A trace counts under its own {@code app_version} (a conversation that spans two
 * releases is a unit in each). Metrics: {@code traces, sessions, users} (counts; no interval: they measure volume,
 * not quality), {@code error_rate} (ERROR traces / traces), {@code p50_duration_ms, p95_duration_ms} (exact, linear
 * interpolation, over traces with a duration), {@code tokens_per_trace} (total_tokens, none counting 0),
 * {@code cost_per_trace} (USD, over traces whose cost_usd is known), {@code turns_per_session} (traces per session,
 * over traces with a session), {@code cost_per_session} (the known cost of the sessions' traces per session) and
 * {@code negative_feedback_rate}
 * (traces with a thumbs down that counts, {@link FeedbackDaily#counted}, / traces).
 */
public final class ReleaseComparison {

  /** Every metric, in the order shown. */
  public static final List<String> METRICS = List.of("traces", "sessions", "users", "error_rate", "p50_duration_ms",
      "p95_duration_ms", "tokens_per_trace", "cost_per_trace", "turns_per_session", "cost_per_session",
      "negative_feedback_rate");
  /** The metrics with an interval, which a release gate can test. */
  public static final List<String> TESTED = METRICS.subList(3, METRICS.size());

  /** Bootstrap resamples when none are given ({@code release-compare}, the HTML report, the notebooks' API). */
  public static final int DEFAULT_RESAMPLES = 2000;
  /** The resampling's seed when none is given. */
  public static final long DEFAULT_SEED = 1;

  /**
   * What to compare: two app versions, optionally one environment and a range of UTC request dates (either end may
   * be null), {@code resamples} bootstrap draws from {@code seed}.
   */
  public record Options(String baseline, String candidate, String environment, LocalDate from, LocalDate to,
      int resamples, long seed) {

    /** Two versions over all dates, with the default resampling. */
    public static Options of(String baseline, String candidate, String environment) {
      return new Options(baseline, candidate, environment, null, null, DEFAULT_RESAMPLES, DEFAULT_SEED);
    }
  }

  /**
   * One metric: both values (NaN where a release has nothing to measure it on), candidate − baseline, and for the
   * tested metrics the 95 % interval of that difference and of the relative difference (candidate / baseline − 1).
   */
  public record Metric(String name, double baseline, double candidate, double low, double high, double relativeLow,
      double relativeHigh) {

    public double difference() {
      return candidate - baseline;
    }

    public boolean hasInterval() {
      return !Double.isNaN(low);
    }

    /** Whether the interval of the difference excludes 0. */
    public boolean significant() {
      return hasInterval() && (low > 0 || high < 0);
    }
  }

  public record Result(Options options, List<Metric> metrics) {

    public Metric metric(String name) {
      return metrics.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }
  }

  /** A resampling unit: one session of one release (or one trace without a session), with its traces' figures. */
  record Unit(boolean session, long traces, long errors, long tokens, long negative, double[] durations, double cost,
      long costed) {}

  private ReleaseComparison() {}

  /** The traces of one release within the options' environment and dates. */
  public static Dataset<Row> releaseTraces(Dataset<Row> traces, Options o, String version) {
    Dataset<Row> out = traces.where(col(TraceColumns.APP_VERSION).equalTo(version));
    if (o.environment() != null) {
      out = out.where(col(TraceColumns.ENVIRONMENT).equalTo(o.environment()));
    }
    if (o.from() != null) {
      out = out.where(col(TraceColumns.REQUEST_DATE).geq(lit(o.from())));
    }
    if (o.to() != null) {
      out = out.where(col(TraceColumns.REQUEST_DATE).leq(lit(o.to())));
    }
    return out;
  }

  /**
   * Why the comparison cannot run — a version with no traces in the options' environment and dates, naming the
   * versions that have traces, {@code place} (the warehouse) included — or null when both have traces.
   */
  public static String missingRelease(Dataset<Row> traces, Options o, String place) {
    for (String version : List.of(o.baseline(), o.candidate())) {
      if (releaseTraces(traces, o, version).isEmpty()) {
        List<String> versions = new ArrayList<>();
        traces.select(TraceColumns.APP_VERSION).distinct().where(col(TraceColumns.APP_VERSION).isNotNull())
            .orderBy(TraceColumns.APP_VERSION).collectAsList().forEach(r -> versions.add(r.getString(0)));
        return "No traces of app_version '" + version + "'"
            + (o.environment() == null ? "" : " in environment '" + o.environment() + "'")
            + (o.from() == null && o.to() == null ? "" : " in the dates given") + " in " + place
            + "; versions with traces: " + String.join(", ", versions);
      }
    }
    return null;
  }

  public static Result compare(Dataset<Row> traces, Options o) {
    // A traces table written before cost was computed gets the column at its next ingest: until then, unknown.
    Dataset<Row> withCost = List.of(traces.columns()).contains(TraceColumns.COST_USD) ? traces
        : traces.withColumn(TraceColumns.COST_USD, lit(null).cast("double"));
    Dataset<Row> base = releaseTraces(withCost, o, o.baseline());
    Dataset<Row> cand = releaseTraces(withCost, o, o.candidate());
    List<Unit> baseUnits = units(base);
    List<Unit> candUnits = units(cand);
    long baseUsers = base.agg(countDistinct(col(TraceColumns.USER_ID))).first().getLong(0);
    long candUsers = cand.agg(countDistinct(col(TraceColumns.USER_ID))).first().getLong(0);
    Sample b = new Sample(baseUnits);
    Sample c = new Sample(candUnits);
    double[] bPoint = b.figures(ones(baseUnits.size()));
    double[] cPoint = c.figures(ones(candUnits.size()));
    int tested = TESTED.size();
    double[][] diffs = new double[tested][o.resamples()];
    double[][] relatives = new double[tested][o.resamples()];
    Random random = new Random(o.seed());
    for (int r = 0; r < o.resamples(); r++) {
      double[] bf = b.figures(draw(random, baseUnits.size()));
      double[] cf = c.figures(draw(random, candUnits.size()));
      for (int m = 0; m < tested; m++) {
        diffs[m][r] = cf[m] - bf[m];
        relatives[m][r] = cf[m] / bf[m] - 1;
      }
    }
    List<Metric> metrics = new ArrayList<>();
    metrics.add(volume("traces", b.traces(), c.traces()));
    metrics.add(volume("sessions", b.sessions(), c.sessions()));
    metrics.add(volume("users", baseUsers, candUsers));
    for (int m = 0; m < tested; m++) {
      double[] interval = interval(diffs[m]);
      double[] relative = interval(relatives[m]);
      metrics.add(new Metric(TESTED.get(m), bPoint[m], cPoint[m], interval[0], interval[1], relative[0],
          relative[1]));
    }
    return new Result(o, metrics);
  }

  /** The picture's axis reaches ±100 % at most: a wider interval (a rate near 0 at baseline) ends in an arrow. */
  static final double RELATIVE_AXIS_LIMIT = 1.0;

  /**
   * The tested metrics as a picture: the candidate's difference relative to the baseline (candidate / baseline − 1)
   * with its 95 % interval, red where the interval of the difference excludes 0. A metric whose baseline is 0 (no
   * relative difference) is left out of the picture, not of the table.
   */
  public static SvgCharts.Drawing relativeDrawing(Result r) {
    List<Metric> tested = r.metrics().stream().filter(Metric::hasInterval).toList();
    int n = tested.size();
    double[] point = new double[n];
    double[] low = new double[n];
    double[] high = new double[n];
    boolean[] significant = new boolean[n];
    for (int i = 0; i < n; i++) {
      Metric m = tested.get(i);
      point[i] = m.candidate() / m.baseline() - 1;
      low[i] = m.relativeLow();
      high[i] = m.relativeHigh();
      significant[i] = m.significant();
    }
    return SvgCharts.intervalsDrawing(r.options().candidate() + " vs " + r.options().baseline()
        + ": relative difference, 95% interval", tested.stream().map(Metric::name).toList(), point, low, high,
        significant, RELATIVE_AXIS_LIMIT, SvgCharts.ValueFormat.PERCENT);
  }

  private static Metric volume(String name, double baseline, double candidate) {
    return new Metric(name, baseline, candidate, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  /** The 2.5th and 97.5th percentiles of the finite values (NaN, NaN when there are none). */
  static double[] interval(double[] values) {
    double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
    if (finite.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    return new double[] {quantile(finite, 0.025), quantile(finite, 0.975)};
  }

  /** The p-quantile of sorted values, linear interpolation between the closest ranks (pandas' default). */
  static double quantile(double[] sorted, double p) {
    double position = (sorted.length - 1) * p;
    int lower = (int) Math.floor(position);
    int higher = (int) Math.ceil(position);
    return sorted[lower] + (position - lower) * (sorted[higher] - sorted[lower]);
  }

  private static long[] ones(int n) {
    long[] w = new long[n];
    Arrays.fill(w, 1);
    return w;
  }

  /** How many times each of n units is drawn in n draws with replacement. */
  private static long[] draw(Random random, int n) {
    long[] w = new long[n];
    for (int i = 0; i < n; i++) {
      w[random.nextInt(n)]++;
    }
    return w;
  }

  private static List<Unit> units(Dataset<Row> traces) {
    Column unit = coalesce(col(TraceColumns.SESSION_ID), concat(lit("trace:"), col(TraceColumns.TRACE_ID)));
    List<Unit> units = new ArrayList<>();
    for (Row r : traces.groupBy(unit.as("_unit"), col(TraceColumns.SESSION_ID).isNotNull().as("_session"))
        .agg(count(lit(1)).as("_traces"),
            sum(when(col(TraceColumns.STATE).equalTo(TraceColumns.STATE_ERROR), 1L).otherwise(0L)).as("_errors"),
            sum(coalesce(col(TraceColumns.TOTAL_TOKENS), lit(0L))).as("_tokens"),
            sum(when(FeedbackDaily.countedNegative().gt(0), 1L).otherwise(0L)).as("_negative"),
            collect_list(col(TraceColumns.EXECUTION_DURATION_MS)).as("_durations"),
            coalesce(sum(col(TraceColumns.COST_USD).cast("decimal(30,12)")).cast("double"), lit(0.0)).as("_cost"),
            count(col(TraceColumns.COST_USD)).as("_costed"))
        .orderBy("_unit").collectAsList()) {
      List<Object> durations = r.getList(6);
      double[] d = new double[durations.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = ((Number) durations.get(i)).doubleValue();
      }
      units.add(new Unit(r.getBoolean(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), d,
          r.getDouble(7), r.getLong(8)));
    }
    return units;
  }

  /** One release's units, with every duration sorted once (and its unit), for weighted quantiles. */
  private static final class Sample {
    final List<Unit> units;
    final double[] durations;
    final int[] owner;

    Sample(List<Unit> units) {
      this.units = units;
      List<double[]> pairs = new ArrayList<>();
      for (int u = 0; u < units.size(); u++) {
        for (double d : units.get(u).durations()) {
          pairs.add(new double[] {d, u});
        }
      }
      pairs.sort((x, y) -> Double.compare(x[0], y[0]));
      durations = new double[pairs.size()];
      owner = new int[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        durations[i] = pairs.get(i)[0];
        owner[i] = (int) pairs.get(i)[1];
      }
    }

    long traces() {
      return units.stream().mapToLong(Unit::traces).sum();
    }

    long sessions() {
      return units.stream().filter(Unit::session).count();
    }

    /** The tested metrics, in {@link #TESTED} order, with unit u counted w[u] times. */
    double[] figures(long[] w) {
      double traces = 0;
      double errors = 0;
      double tokens = 0;
      double negative = 0;
      double sessions = 0;
      double sessionTraces = 0;
      double cost = 0;
      double costed = 0;
      double sessionCost = 0;
      for (int u = 0; u < units.size(); u++) {
        Unit unit = units.get(u);
        traces += w[u] * unit.traces();
        errors += w[u] * unit.errors();
        tokens += w[u] * unit.tokens();
        negative += w[u] * unit.negative();
        cost += w[u] * unit.cost();
        costed += w[u] * unit.costed();
        if (unit.session()) {
          sessions += w[u];
          sessionTraces += w[u] * unit.traces();
          sessionCost += w[u] * unit.cost();
        }
      }
      double[] quantiles = weightedQuantiles(w, 0.5, 0.95);
      return new double[] {errors / traces, quantiles[0], quantiles[1], tokens / traces, cost / costed,
          sessionTraces / sessions, costed == 0 ? Double.NaN : sessionCost / sessions, negative / traces};
    }

    /** Quantiles of the durations, each counted as often as its unit (linear interpolation); NaN without any. */
    double[] weightedQuantiles(long[] w, double... ps) {
      long n = 0;
      for (int i = 0; i < durations.length; i++) {
        n += w[owner[i]];
      }
      double[] out = new double[ps.length];
      if (n == 0) {
        Arrays.fill(out, Double.NaN);
        return out;
      }
      for (int q = 0; q < ps.length; q++) {
        double position = (n - 1) * ps[q];
        long lower = (long) Math.floor(position);
        long higher = (long) Math.ceil(position);
        double lowerValue = valueAtRank(w, lower);
        double higherValue = higher == lower ? lowerValue : valueAtRank(w, higher);
        out[q] = lowerValue + (position - lower) * (higherValue - lowerValue);
      }
      return out;
    }

    private double valueAtRank(long[] w, long rank) {
      long seen = 0;
      for (int i = 0; i < durations.length; i++) {
        seen += w[owner[i]];
        if (seen > rank) {
          return durations[i];
        }
      }
      throw new IllegalStateException("rank " + rank + " past " + seen);
    }
  }

  /** The result as a table: text (aligned columns) or markdown (a pull request's table). */
  public static String table(Result result, boolean markdown) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"metric", result.options().baseline(), result.options().candidate(), "difference",
        "95% interval", ""});
    for (Metric m : result.metrics()) {
      rows.add(new String[] {m.name(), format(m.name(), m.baseline()), format(m.name(), m.candidate()),
          signed(m.name(), m.difference()), m.hasInterval() ? "[" + signed(m.name(), m.low()) + ", "
              + signed(m.name(), m.high()) + "]" : "", m.significant() ? "*" : ""});
    }
    StringBuilder out = new StringBuilder();
    if (markdown) {
      for (int i = 0; i < rows.size(); i++) {
        out.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
        if (i == 0) {
          out.append("|---|---:|---:|---:|---:|---|\n");
        }
      }
    } else {
      int[] widths = new int[6];
      for (String[] r : rows) {
        for (int c = 0; c < 6; c++) {
          widths[c] = Math.max(widths[c], r[c].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder(String.format("%-" + widths[0] + "s", r[0]));
        for (int c = 1; c < 5; c++) {
          line.append("  ").append(String.format("%" + widths[c] + "s", r[c]));
        }
        out.append(line).append(r[5].isEmpty() ? "" : " " + r[5]).append('\n');
      }
    }
    out.append(String.format("* the interval excludes 0. Intervals: %,d bootstrap resamples of sessions (seed %d)%s%n",
        result.options().resamples(), result.options().seed(),
        result.options().environment() == null ? "" : "; environment " + result.options().environment()));
    return out.toString();
  }

  private static String format(String metric, double v) {
    if (!Double.isFinite(v)) {
      return "-";
    }
    return switch (metric) {
      case "traces", "sessions", "users" -> String.format("%,d", (long) v);
      case "error_rate", "negative_feedback_rate" -> String.format("%.4f", v);
      case "cost_per_trace", "cost_per_session" -> String.format("%.6f", v);
      default -> String.format("%.1f", v);
    };
  }

  private static String signed(String metric, double v) {
    String f = format(metric, Math.abs(v));
    return !Double.isFinite(v) ? "-" : (v < 0 ? "-" : "+") + f;
  }

  /** The result as JSON-ready maps (NaN as null). */
  public static Map<String, Object> json(Result result) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("baseline", result.options().baseline());
    out.put("candidate", result.options().candidate());
    out.put("environment", result.options().environment());
    out.put("resamples", result.options().resamples());
    out.put("seed", result.options().seed());
    List<Map<String, Object>> metrics = new ArrayList<>();
    for (Metric m : result.metrics()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("metric", m.name());
      row.put("baseline", orNull(m.baseline()));
      row.put("candidate", orNull(m.candidate()));
      row.put("difference", orNull(m.difference()));
      row.put("interval_low", orNull(m.low()));
      row.put("interval_high", orNull(m.high()));
      row.put("relative_low", orNull(m.relativeLow()));
      row.put("relative_high", orNull(m.relativeHigh()));
      row.put("significant", m.significant());
      metrics.add(row);
    }
    out.put("metrics", metrics);
    return out;
  }

  private static Double orNull(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
