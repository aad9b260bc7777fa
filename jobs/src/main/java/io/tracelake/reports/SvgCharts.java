package io.tracelake.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * Small charts as inline SVG: text that needs no script, no font download and no network, scales with the page and
 * prints sharply. Every data point or bar is an element of class {@code mark} with a {@code <title>} (the browser's
 * tooltip), so that a check can count what a chart draws.
 */
public final class SvgCharts {

  private SvgCharts() {}

  private static final int WIDTH = 640;
  private static final int HEIGHT = 260;
  private static final int LEFT = 58;
  private static final int RIGHT = 36;
  private static final int TOP = 16;
  private static final int BOTTOM = 44;
  private static final String[] PALETTE = {"#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2",
      "#ca8a04", "#db2777", "#4b5563", "#65a30d"};

  /** A colour of the palette, the same for the same index everywhere in a report. */
  public static String colour(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /**
   * Lines over shared x labels (dates). A NaN value is a gap: no point is drawn and the line breaks. {@code format}
   * turns a value into the label of an axis tick or tooltip.
   */
  public static String lines(String title, List<String> x, Map<String, double[]> series, ValueFormat format) {
    return figure(linesDrawing(title, x, series, format));
  }

  /** One bar per label. */
  public static String bars(String title, List<String> labels, double[] values, ValueFormat format) {
    return figure(barsDrawing(title, labels, values, format));
  }

  /**
   * A chart before it is placed: the {@code <svg>} element (scaled by its {@code viewBox}), the names of its series
   * for a legend, and how many marks it draws.
   */
  public record Drawing(String title, String svg, List<String> legend, int marks) {}

  /** The drawing of {@link #lines}. */
  public static Drawing linesDrawing(String title, List<String> x, Map<String, double[]> series,
      ValueFormat format) {
    double max = 0;
    for (double[] values : series.values()) {
      for (double v : values) {
        if (!Double.isNaN(v)) {
          max = Math.max(max, v);
        }
      }
    }
    Scale y = Scale.of(max);
    StringBuilder svg = open(title);
    axes(svg, y, format);
    xLabels(svg, x, false);
    int s = 0;
    int marks = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      String colour = colour(s++);
      double[] values = e.getValue();
      StringBuilder path = new StringBuilder();
      boolean penDown = false;
      for (int i = 0; i < values.length; i++) {
        if (Double.isNaN(values[i])) {
          penDown = false;
          continue;
        }
        path.append(penDown ? " L" : " M").append(fmt(xAt(i, x.size(), false))).append(',')
            .append(fmt(yAt(values[i], y)));
        penDown = true;
      }
      if (!path.isEmpty()) {
        svg.append("<path d=\"").append(path.toString().trim()).append("\" fill=\"none\" stroke=\"").append(colour)
            .append("\" stroke-width=\"2\"/>");
      }
      for (int i = 0; i < values.length; i++) {
        if (!Double.isNaN(values[i])) {
          marks++;
          svg.append("<circle class=\"mark\" cx=\"").append(fmt(xAt(i, x.size(), false))).append("\" cy=\"")
              .append(fmt(yAt(values[i], y))).append("\" r=\"3\" fill=\"").append(colour).append("\"><title>")
              .append(escape(e.getKey() + " · " + x.get(i) + ": " + format.apply(values[i])))
              .append("</title></circle>");
        }
      }
    }
    svg.append("</svg>");
    return new Drawing(title, svg.toString(), series.size() > 1 ? List.copyOf(series.keySet()) : List.of(), marks);
  }

  /** The drawing of {@link #bars}. */
  public static Drawing barsDrawing(String title, List<String> labels, double[] values, ValueFormat format) {
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    Scale y = Scale.of(max);
    StringBuilder svg = open(title);
    axes(svg, y, format);
    xLabels(svg, labels, true);
    double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, labels.size());
    for (int i = 0; i < values.length; i++) {
      double top = yAt(values[i], y);
      svg.append("<rect class=\"mark\" x=\"").append(fmt(LEFT + i * slot + slot * 0.15)).append("\" y=\"")
          .append(fmt(top)).append("\" width=\"").append(fmt(slot * 0.7)).append("\" height=\"")
          .append(fmt(HEIGHT - BOTTOM - top)).append("\" fill=\"").append(colour(0)).append("\"><title>")
          .append(escape(labels.get(i) + ": " + format.apply(values[i]))).append("</title></rect>");
    }
    svg.append("</svg>");
    return new Drawing(title, svg.toString(), List.of(), values.length);
  }

  /**
   * A timeline: one horizontal bar per row from {@code startMs} (relative to the first) for {@code durationMs}
   * (NaN: a still-running row, drawn as a thin tick), labelled on the left, in the row's colour, with {@code notes}
   * (e.g. a state) in its tooltip.
   */
  public static Drawing timelineDrawing(String title, List<String> labels, double[] startMs, double[] durationMs,
      String[] colours, String[] notes) {
    double end = 0;
    for (int i = 0; i < startMs.length; i++) {
      end = Math.max(end, startMs[i] + (Double.isNaN(durationMs[i]) ? 0 : durationMs[i]));
    }
    double span = end <= 0 ? 1 : end;
    StringBuilder svg = open(title);
    for (int i = 0; i <= 4; i++) {
      double px = LEFT + (WIDTH - LEFT - RIGHT) * i / 4.0;
      svg.append("<line x1=\"").append(fmt(px)).append("\" x2=\"").append(fmt(px)).append("\" y1=\"").append(TOP)
          .append("\" y2=\"").append(HEIGHT - BOTTOM).append("\" class=\"grid\"/><text x=\"").append(fmt(px))
          .append("\" y=\"").append(HEIGHT - BOTTOM + 18).append("\" text-anchor=\"middle\" class=\"tick\">")
          .append(escape(ValueFormat.MILLIS.apply(span * i / 4))).append("</text>");
    }
    double row = (HEIGHT - TOP - BOTTOM) / (double) Math.max(1, labels.size());
    for (int i = 0; i < labels.size(); i++) {
      double x0 = LEFT + startMs[i] / span * (WIDTH - LEFT - RIGHT);
      double w = Double.isNaN(durationMs[i]) ? 2 : Math.max(2, durationMs[i] / span * (WIDTH - LEFT - RIGHT));
      double y0 = TOP + i * row + row * 0.2;
      svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y0 + row * 0.45))
          .append("\" text-anchor=\"end\" class=\"tick\">").append(escape(labels.get(i))).append("</text>")
          .append("<rect class=\"mark\" x=\"").append(fmt(x0)).append("\" y=\"").append(fmt(y0))
          .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(fmt(row * 0.6)).append("\" fill=\"")
          .append(colours[i]).append("\"><title>").append(escape(labels.get(i) + " " + notes[i] + ": starts at +"
              + ValueFormat.MILLIS.apply(startMs[i]) + ", " + (Double.isNaN(durationMs[i]) ? "still running"
              : "takes " + ValueFormat.MILLIS.apply(durationMs[i])))).append("</title></rect>");
    }
    svg.append("</svg>");
    return new Drawing(title, svg.toString(), List.of(), labels.size());
  }

  /**
   * Intervals around zero (a forest plot): one row per label, a dot at {@code point} and a line from {@code low} to
   * {@code high} on an axis symmetric about 0, which is drawn darker. The axis reaches at most {@code limit} (and
   * less when every value is within less); a line that goes further ends in an arrow at the edge, its tooltip giving
   * the values. Rows with a non-finite value are left out; {@code highlight}ed rows are drawn in the palette's second
   * colour, the others grey.
   */
  public static Drawing intervalsDrawing(String title, List<String> labels, double[] point, double[] low,
      double[] high, boolean[] highlight, double limit, ValueFormat format) {
    List<Integer> rows = new ArrayList<>();
    double max = 0;
    for (int i = 0; i < labels.size(); i++) {
      if (Double.isFinite(point[i]) && Double.isFinite(low[i]) && Double.isFinite(high[i])) {
        rows.add(i);
        max = Math.max(max, Math.max(Math.abs(low[i]), Math.max(Math.abs(high[i]), Math.abs(point[i]))));
      }
    }
    Scale x = Scale.of(Math.min(max, limit));
    int left = 170;
    double span = WIDTH - left - RIGHT;
    DoubleUnaryOperator xAt = v -> left + (Math.max(-x.max(), Math.min(x.max(), v)) + x.max()) / (2 * x.max()) * span;
    StringBuilder svg = open(title);
    for (int i = 0; i <= 4; i++) {
      double v = -x.max() + x.max() * i / 2;
      double px = xAt.applyAsDouble(v);
      svg.append("<line x1=\"").append(fmt(px)).append("\" x2=\"").append(fmt(px)).append("\" y1=\"").append(TOP)
          .append("\" y2=\"").append(HEIGHT - BOTTOM).append("\" class=\"grid\"")
          .append(i == 2 ? " style=\"stroke:#6b7280\"" : "").append("/><text x=\"").append(fmt(px))
          .append("\" y=\"").append(HEIGHT - BOTTOM + 18).append("\" text-anchor=\"middle\" class=\"tick\">")
          .append(escape((v > 0 ? "+" : "") + format.apply(v))).append("</text>");
    }
    double row = (HEIGHT - TOP - BOTTOM) / (double) Math.max(1, rows.size());
    for (int r = 0; r < rows.size(); r++) {
      int i = rows.get(r);
      double y = TOP + (r + 0.5) * row;
      String colour = highlight[i] ? colour(1) : "#6b7280";
      svg.append("<text x=\"").append(left - 8).append("\" y=\"").append(fmt(y + 4))
          .append("\" text-anchor=\"end\" class=\"tick\">").append(escape(labels.get(i))).append("</text>")
          .append("<g class=\"mark\"><title>").append(escape(labels.get(i) + ": " + format.apply(point[i])
              + ", 95% interval " + format.apply(low[i]) + " to " + format.apply(high[i])))
          .append("</title><line x1=\"").append(fmt(xAt.applyAsDouble(low[i]))).append("\" x2=\"")
          .append(fmt(xAt.applyAsDouble(high[i]))).append("\" y1=\"").append(fmt(y)).append("\" y2=\"")
          .append(fmt(y)).append("\" stroke=\"").append(colour).append("\" stroke-width=\"3\"/>");
      if (low[i] < -x.max()) {
        svg.append(arrow(xAt.applyAsDouble(low[i]), y, -1, colour));
      }
      if (high[i] > x.max()) {
        svg.append(arrow(xAt.applyAsDouble(high[i]), y, 1, colour));
      }
      svg.append("<circle cx=\"").append(fmt(xAt.applyAsDouble(point[i]))).append("\" cy=\"").append(fmt(y))
          .append("\" r=\"5\" fill=\"").append(colour).append("\"/></g>");
    }
    svg.append("</svg>");
    return new Drawing(title, svg.toString(), List.of(), rows.size());
  }

  /** A small triangle at the edge of a clipped interval, pointing left (-1) or right (1). */
  private static String arrow(double x, double y, int direction, String colour) {
    return "<path d=\"M" + fmt(x + 6 * direction) + "," + fmt(y) + " L" + fmt(x) + "," + fmt(y - 5) + " L"
        + fmt(x) + "," + fmt(y + 5) + " Z\" fill=\"" + colour + "\"/>";
  }

  /**
   * A drawing as a standalone SVG image of {@code WIDTH} pixels: its title above, the legend below, styles inside
   * (for notebooks and files; the HTML report uses {@link #figure} and its page's styles).
   */
  public static String standalone(Drawing d) {
    int legendRows = (d.legend().size() + 3) / 4;
    int height = 30 + HEIGHT + legendRows * 18;
    StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
        .append("\" font-family=\"DejaVu Sans, sans-serif\"><style>.grid{stroke:#e5e7eb;stroke-width:1}")
        .append(".tick{font-size:11px;fill:#6b7280}</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>")
        .append("<text x=\"8\" y=\"20\" font-size=\"14\" font-weight=\"600\" fill=\"#111827\">")
        .append(escape(d.title())).append("</text><svg x=\"0\" y=\"30\" width=\"").append(WIDTH)
        .append("\" height=\"").append(HEIGHT).append("\"").append(d.svg().substring(d.svg().indexOf(" viewBox")));
    for (int i = 0; i < d.legend().size(); i++) {
      int x = 8 + (i % 4) * 158;
      int y = 30 + HEIGHT + (i / 4) * 18 + 12;
      svg.append("<rect x=\"").append(x).append("\" y=\"").append(y - 9).append("\" width=\"10\" height=\"10\" fill=\"")
          .append(colour(i)).append("\"/><text x=\"").append(x + 14).append("\" y=\"").append(y)
          .append("\" font-size=\"11\" fill=\"#374151\">").append(escape(d.legend().get(i))).append("</text>");
    }
    return svg.append("</svg>").toString();
  }

  /** How a value is written on an axis and in a tooltip. */
  @FunctionalInterface
  public interface ValueFormat {
    String apply(double value);

    ValueFormat COUNT = v -> String.format(Locale.ROOT, "%,.0f", v);
    ValueFormat PERCENT = v -> String.format(Locale.ROOT, "%.1f %%", v * 100);
    ValueFormat USD = v -> v >= 100 ? String.format(Locale.ROOT, "$%,.0f", v)
        : v >= 1 ? String.format(Locale.ROOT, "$%.2f", v) : String.format(Locale.ROOT, "$%.4f", v);
    ValueFormat MILLIS = v -> v >= 10_000 ? String.format(Locale.ROOT, "%.1f s", v / 1000)
        : String.format(Locale.ROOT, "%,.0f ms", v);
  }

  /** A y axis from 0 to a round maximum with 4 steps. */
  private record Scale(double max) {
    static Scale of(double dataMax) {
      if (dataMax <= 0) {
        return new Scale(1);
      }
      double step = Math.pow(10, Math.floor(Math.log10(dataMax / 4)));
      for (double m : new double[] {1, 2, 2.5, 5, 10}) {
        if (step * m * 4 >= dataMax) {
          return new Scale(step * m * 4);
        }
      }
      return new Scale(step * 40);
    }
  }

  private static StringBuilder open(String title) {
    return new StringBuilder("<svg class=\"chart\" role=\"img\" aria-label=\"").append(escape(title))
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" xmlns=\"http://www.w3.org/2000/svg\">");
  }

  private static void axes(StringBuilder svg, Scale y, ValueFormat format) {
    for (int i = 0; i <= 4; i++) {
      double v = y.max() * i / 4;
      double py = yAt(v, y);
      svg.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
          .append(fmt(py)).append("\" y2=\"").append(fmt(py)).append("\" class=\"grid\"/>");
      svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(py + 4))
          .append("\" text-anchor=\"end\" class=\"tick\">").append(escape(format.apply(v))).append("</text>");
    }
  }

  private static void xLabels(StringBuilder svg, List<String> x, boolean centred) {
    int every = Math.max(1, (int) Math.ceil(x.size() / (centred ? 12.0 : 8.0)));
    for (int i = 0; i < x.size(); i += every) {
      svg.append("<text x=\"").append(fmt(xAt(i, x.size(), centred))).append("\" y=\"").append(HEIGHT - BOTTOM + 18)
          .append("\" text-anchor=\"middle\" class=\"tick\">").append(escape(x.get(i))).append("</text>");
    }
  }

  private static double xAt(int i, int n, boolean centred) {
    double span = WIDTH - LEFT - RIGHT;
    if (centred) {
      return LEFT + (i + 0.5) * span / Math.max(1, n);
    }
    return n <= 1 ? LEFT + span / 2 : LEFT + i * span / (n - 1);
  }

  private static double yAt(double v, Scale y) {
    return HEIGHT - BOTTOM - (v / y.max()) * (HEIGHT - TOP - BOTTOM);
  }

  private static String legend(List<String> names) {
    if (names.size() < 2) {
      return "";
    }
    List<String> items = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      items.add("<span class=\"key\"><i style=\"background:" + colour(i) + "\"></i>" + escape(names.get(i))
          + "</span>");
    }
    return "<div class=\"legend\">" + String.join(" ", items) + "</div>";
  }

  /** A drawing inside the report's {@code <figure>}, with its caption and an HTML legend. */
  public static String figure(Drawing d) {
    return "<figure><figcaption>" + escape(d.title()) + "</figcaption>" + d.svg() + legend(d.legend())
        + "</figure>";
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** Text for XML and HTML content or attribute values. */
  public static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
