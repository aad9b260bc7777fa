package io.tracelake.explore;

import static org.apache.spark.sql.functions.col;

import io.tracelake.reports.ReleaseComparison;
import io.tracelake.reports.SessionFlow;
import io.tracelake.reports.SvgCharts;
import io.tracelake.reports.SvgCharts.Drawing;
import io.tracelake.reports.SvgCharts.ValueFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Charts of small frames (a few hundred rows: a day per row, a version per row), as {@link Chart} images. The frame is
 * collected; aggregate first. The same drawing code as the HTML report.
 */
public final class Charts {

  private Charts() {}

  /** At most this many rows are drawn; a bigger frame is a mistake (aggregate it first). */
  public static final int MAX_ROWS = 2_000;

  /** One line of {@code y} over {@code x} (e.g. a date), in the frame's order. */
  public static Chart line(String title, Dataset<Row> frame, String x, String y) {
    return line(title, frame, x, y, null);
  }

  /** One line of {@code y} over {@code x} per value of {@code series} (null: one line); a missing point is a gap. */
  public static Chart line(String title, Dataset<Row> frame, String x, String y, String series) {
    List<Row> rows = collect(frame);
    List<String> xs = new ArrayList<>();
    rows.forEach(r -> {
      String v = text(r, x);
      if (!xs.contains(v)) {
        xs.add(v);
      }
    });
    Map<String, double[]> lines = new LinkedHashMap<>();
    for (Row r : rows) {
      String name = series == null ? y : text(r, series);
      double[] values = lines.computeIfAbsent(name, k -> nan(xs.size()));
      Object v = r.getAs(y);
      values[xs.indexOf(text(r, x))] = v == null ? Double.NaN : ((Number) v).doubleValue();
    }
    return chart(SvgCharts.linesDrawing(title, xs, lines, format(y)));
  }

  /** One bar per row: {@code label} and {@code value}. */
  public static Chart bar(String title, Dataset<Row> frame, String label, String value) {
    List<Row> rows = collect(frame);
    double[] values = new double[rows.size()];
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      labels.add(text(rows.get(i), label));
      Object v = rows.get(i).getAs(value);
      values[i] = v == null ? 0 : ((Number) v).doubleValue();
    }
    return chart(SvgCharts.barsDrawing(title, labels, values, format(value)));
  }

  /**
   * The distribution of a numeric column in {@code bins} equal-width bins between its minimum and maximum (nulls
   * left out). Counted by Spark: the frame may be large.
   */
  public static Chart histogram(String title, Dataset<Row> frame, String column, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be at least 1, got " + bins);
    }
    Dataset<Row> values = frame.where(col(column).isNotNull()).select(col(column).cast("double").as("v"));
    Row range = values.selectExpr("min(v)", "max(v)").first();
    double[] counts = new double[bins];
    List<String> labels = new ArrayList<>();
    if (!range.isNullAt(0)) {
      double min = range.getDouble(0);
      double width = Math.max((range.getDouble(1) - min) / bins, Double.MIN_NORMAL);
      for (Row r : values.selectExpr("least(cast(floor((v - " + min + ") / " + width + ") AS INT), " + (bins - 1)
          + ") AS bin").groupBy("bin").count().collectAsList()) {
        counts[r.getInt(0)] = r.getLong(1);
      }
      for (int i = 0; i < bins; i++) {
        labels.add(String.format(Locale.ROOT, "%,.0f", min + i * width));
      }
    }
    return chart(SvgCharts.barsDrawing(title, labels, counts, ValueFormat.COUNT));
  }

  /**
   * One session's turns on a time axis from its first request: each turn from its start for its duration, coloured
   * by state.
   */
  public static Chart sessionTimeline(SessionFlow flow) {
    List<String> labels = new ArrayList<>();
    double[] start = new double[flow.turns().size()];
    double[] duration = new double[start.length];
    String[] colours = new String[start.length];
    String[] states = new String[start.length];
    long t0 = flow.turns().isEmpty() ? 0 : flow.turns().get(0).timestampMs();
    for (int i = 0; i < start.length; i++) {
      SessionFlow.Turn t = flow.turns().get(i);
      labels.add("turn " + t.turn());
      start[i] = t.timestampMs() - t0;
      duration[i] = t.durationMs() == null ? Double.NaN : t.durationMs();
      states[i] = "(" + t.state() + ")";
      colours[i] = switch (t.state()) {
        case "OK" -> SvgCharts.colour(0);
        case "ERROR" -> SvgCharts.colour(1);
        default -> "#9ca3af";
      };
    }
    return chart(SvgCharts.timelineDrawing("Session " + flow.sessionId() + " (blue: OK, red: ERROR, grey: other)",
        labels, start, duration, colours, states));
  }

  /**
   * A release comparison's tested metrics: the candidate's relative difference from the baseline with its 95 %
   * interval, red where the interval excludes 0 (see {@link ReleaseComparison#relativeDrawing}).
   */
  public static Chart releaseComparison(ReleaseComparison.Result result) {
    return chart(ReleaseComparison.relativeDrawing(result));
  }

  private static Chart chart(Drawing d) {
    String svg = SvgCharts.standalone(d);
    int height = Integer.parseInt(svg.replaceFirst("(?s)^<svg[^>]* height=\"(\\d+)\".*", "$1"));
    return new Chart(d.title(), svg, 640, height, d.marks());
  }

  private static List<Row> collect(Dataset<Row> frame) {
    List<Row> rows = frame.limit(MAX_ROWS + 1).collectAsList();
    if (rows.size() > MAX_ROWS) {
      throw new IllegalArgumentException("The frame has more than " + MAX_ROWS + " rows; aggregate it first");
    }
    return rows;
  }

  private static String text(Row r, String column) {
    return Objects.toString(r.getAs(column), "(none)");
  }

  private static double[] nan(int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, Double.NaN);
    return out;
  }

  /** Rates as percentages and durations in ms or s, from the column's name; everything else as a count. */
  private static ValueFormat format(String column) {
    if (column.endsWith("_rate")) {
      return ValueFormat.PERCENT;
    }
    return column.endsWith("_ms") ? ValueFormat.MILLIS : ValueFormat.COUNT;
  }
}
