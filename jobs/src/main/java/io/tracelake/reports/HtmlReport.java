package io.tracelake.reports;

import static io.tracelake.reports.SvgCharts.escape;

import io.tracelake.reports.SvgCharts.ValueFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * The report as one self-contained HTML page: styles, charts (inline SVG) and a small self-check script are inside
 * the file; it loads nothing, so it opens offline and can be mailed. Every figure carries its raw value in a
 * {@code data-value} attribute (headline cards) or {@code data-v} (table cells), so that tests and scripts read the
 * numbers back exactly.
 */
public final class HtmlReport {

  private HtmlReport() {}

  /** What the page says about where its figures come from. */
  public record Context(String warehouse, String from, String to, String filter, Instant generatedAt) {}

  public static String render(ReportData d, Context context) {
    StringBuilder h = new StringBuilder(32_768);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>Tracelake report</title><style>").append(STYLE).append("</style><script>")
        .append(SELF_CHECK).append("</script></head><body>");
    header(h, d, context);
    headline(h, d);
    activity(h, d);
    activeUsers(h, d);
    releases(h, d);
    releaseComparison(h, d);
    users(h, d);
    cost(h, d);
    sessions(h, d);
    feedback(h, d);
    spans(h, d);
    quarantine(h, d);
    h.append("<footer>Figures from the warehouse's analytics tables (<code>version_breakdown</code>, ")
        .append("<code>daily_user_activity</code>, <code>sessions</code>, <code>session_turns</code>, ")
        .append("<code>active_users</code>, <code>user_retention</code>, <code>feedback_daily</code>), merged over ")
        .append("the range exactly as <code>version_summary</code> is; session paths by the rules of ")
        .append("<code>session_paths</code> and <code>turn_dropoff</code>; quarantine from ")
        .append("<code>traces_quarantine</code>. Latency percentiles are exact (linear interpolation, as pandas' ")
        .append("<code>quantile</code>), over traces that have a duration.</footer>");
    h.append("</body></html>\n");
    return h.toString();
  }

  private static void header(StringBuilder h, ReportData d, Context c) {
    String first = d.perDay().isEmpty() ? "–" : day(d.perDay().get(0));
    String last = d.perDay().isEmpty() ? "–" : day(d.perDay().get(d.perDay().size() - 1));
    h.append("<header><h1>Tracelake report</h1><p class=\"meta\">")
        .append(escape(c.warehouse())).append(" · traces of ").append(first).append(" to ").append(last)
        .append(" (UTC dates").append(c.from() == null && c.to() == null ? ", all" : ", asked "
            + escape(Objects.toString(c.from(), "…")) + " to " + escape(Objects.toString(c.to(), "…")))
        .append(")");
    if (c.filter() != null) {
      h.append(" · filter <code>").append(escape(c.filter())).append("</code>");
    }
    h.append(" · generated ").append(c.generatedAt()).append("</p></header>");
  }

  private static void headline(StringBuilder h, ReportData d) {
    Row o = d.overall();
    long quarantined = d.quarantine().stream().mapToLong(r -> ((Number) r.get(1)).longValue()).sum();
    h.append("<section class=\"cards\">");
    card(h, "traces", "Traces", o.getAs("interactions"), ValueFormat.COUNT);
    card(h, "users", "Users", o.getAs("distinct_users"), ValueFormat.COUNT);
    card(h, "sessions", "Sessions", o.getAs("sessions"), ValueFormat.COUNT);
    card(h, "error_rate", "Error rate", o.getAs("error_rate"), ValueFormat.PERCENT);
    card(h, "p50_duration_ms", "p50 latency", o.getAs("p50_duration_ms"), ValueFormat.MILLIS);
    card(h, "p95_duration_ms", "p95 latency", o.getAs("p95_duration_ms"), ValueFormat.MILLIS);
    card(h, "total_tokens", "Tokens", o.getAs("total_tokens"), ValueFormat.COUNT);
    card(h, "cost_usd", "Cost (known)", o.getAs("cost_usd"), ValueFormat.USD);
    card(h, "quarantined", "Quarantined records", quarantined, ValueFormat.COUNT);
    h.append("</section>");
  }

  private static void card(StringBuilder h, String key, String label, Object value, ValueFormat format) {
    h.append("<div class=\"card\" data-figure=\"").append(key).append("\" data-value=\"").append(raw(value))
        .append("\"><div class=\"value\">").append(value == null ? "–" : escape(format.apply(number(value))))
        .append("</div><div class=\"label\">").append(label).append("</div></div>");
  }

  private static void activity(StringBuilder h, ReportData d) {
    List<String> days = d.perDay().stream().map(r -> day(r)).toList();
    h.append("<section><h2>Activity per day</h2><div class=\"grid\">");
    h.append(SvgCharts.lines("Traces per day", days, Map.of("traces", column(d.perDay(), "interactions")),
        ValueFormat.COUNT));
    h.append(SvgCharts.lines("Daily active users", days, Map.of("users", column(d.perDay(), "distinct_users")),
        ValueFormat.COUNT));
    h.append("</div>");
    table(h, "per-day", List.of("date", "traces", "active users", "sessions", "error rate", "p50", "p95", "tokens"),
        d.perDay(), List.of(r -> r.getAs("activity_date"), r -> r.getAs("interactions"),
            r -> r.getAs("distinct_users"), r -> r.getAs("sessions"), r -> r.getAs("error_rate"),
            r -> r.getAs("p50_duration_ms"), r -> r.getAs("p95_duration_ms"), r -> r.getAs("total_tokens")),
        Arrays.asList(null, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.PERCENT,
            ValueFormat.MILLIS, ValueFormat.MILLIS, ValueFormat.COUNT));
    h.append("</section>");
  }

  /** One series per environment ("(none)" for traces without one) over {@code days}; a day without a row is a gap. */
  private static Map<String, double[]> perEnvironment(List<String> days, List<Row> rows, String column) {
    Map<String, double[]> series = new LinkedHashMap<>();
    for (Row r : rows) {
      String environment = Objects.toString(r.getAs("environment"), "(none)");
      int i = days.indexOf(day(r));
      if (i >= 0) {
        series.computeIfAbsent(environment, k -> nanArray(days.size()))[i] = number(r.getAs(column));
      }
    }
    return series;
  }

  /** The weeks after a cohort's own that the retention table shows. */
  private static final int RETENTION_WEEKS = 8;

  private static void activeUsers(StringBuilder h, ReportData d) {
    h.append("<section><h2>Active users and retention</h2>");
    if (d.activeUsers().isEmpty()) {
      h.append("<p>No user has a trace in the range.</p></section>");
      return;
    }
    List<String> days = d.activeUsers().stream().map(r -> day(r)).toList();
    Map<String, double[]> windows = new LinkedHashMap<>();
    windows.put("daily", column(d.activeUsers(), "dau"));
    windows.put("7 days", column(d.activeUsers(), "wau"));
    windows.put("28 days", column(d.activeUsers(), "mau"));
    h.append("<div class=\"grid\">");
    h.append(SvgCharts.lines("Active users (DAU, WAU, MAU; all environments)", days, windows, ValueFormat.COUNT));
    h.append(SvgCharts.lines("New and returning users per day", days, Map.of("new", column(d.activeUsers(),
        "new_users"), "returning", column(d.activeUsers(), "returning_users")), ValueFormat.COUNT));
    if (!d.activeUsersPerEnvironment().isEmpty()) {
      h.append(SvgCharts.lines("Monthly active users (28 days) per environment", days,
          perEnvironment(days, d.activeUsersPerEnvironment(), "mau"), ValueFormat.COUNT));
    }
    h.append("</div><h3>Weekly retention: the share of each week's new users with a trace n weeks later</h3>");
    retentionTable(h, d.retention());
    h.append("</section>");
  }

  /** The commonest paths, each share drawn as a bar behind its figure (a chart a screen reader can read). */
  private static void pathsTable(StringBuilder h, List<Row> paths) {
    h.append("<table data-table=\"paths\"><thead><tr><th>path</th><th>sessions</th><th>share</th>")
        .append("<th>mean turns</th><th>with a thumbs down</th></tr></thead><tbody>");
    for (Row r : paths) {
      double share = r.<Double>getAs("share");
      String percent = String.format(Locale.ROOT, "%.1f", 100 * share);
      h.append("<tr><td>").append(escape(r.getAs("path"))).append("</td><td class=\"num\">")
          .append(escape(ValueFormat.COUNT.apply(number(r.getAs("sessions"))))).append("</td>")
          .append("<td data-v=\"").append(raw(share)).append("\" class=\"num bar\" style=\"background:")
          .append("linear-gradient(90deg,rgba(37,99,235,.35) ").append(percent).append("%,transparent ")
          .append(percent).append("%)\">").append(escape(ValueFormat.PERCENT.apply(share))).append("</td>")
          .append("<td class=\"num\">").append(String.format(Locale.ROOT, "%.1f", r.<Double>getAs("mean_turns")))
          .append("</td><td class=\"num\">")
          .append(escape(ValueFormat.PERCENT.apply(r.<Double>getAs("negative_feedback_rate")))).append("</td></tr>");
    }
    h.append("</tbody></table>");
  }

  /** Cohorts as rows, weeks after as columns, each cell shaded by its rate (a heat map a screen reader can read). */
  private static void retentionTable(StringBuilder h, List<Row> retention) {
    Map<String, Map<Integer, Row>> cohorts = new LinkedHashMap<>();
    int weeks = 0;
    for (Row r : retention) {
      int offset = r.<Integer>getAs("week_offset");
      if (offset <= RETENTION_WEEKS) {
        cohorts.computeIfAbsent(Objects.toString(r.getAs("cohort_week")), k -> new LinkedHashMap<>()).put(offset, r);
        weeks = Math.max(weeks, offset);
      }
    }
    h.append("<table data-table=\"retention\"><thead><tr><th>cohort week</th><th>users</th>");
    for (int w = 0; w <= weeks; w++) {
      h.append("<th>week ").append(w).append("</th>");
    }
    h.append("</tr></thead><tbody>");
    for (Map.Entry<String, Map<Integer, Row>> cohort : cohorts.entrySet()) {
      Row first = cohort.getValue().values().iterator().next();
      h.append("<tr><td>").append(escape(cohort.getKey())).append("</td><td class=\"num\">")
          .append(escape(ValueFormat.COUNT.apply(number(first.getAs("cohort_users"))))).append("</td>");
      for (int w = 0; w <= weeks; w++) {
        Row cell = cohort.getValue().get(w);
        if (cell == null) {
          h.append("<td></td>");
          continue;
        }
        double rate = cell.<Double>getAs("retention_rate");
        h.append("<td data-v=\"").append(raw(rate)).append("\" class=\"num\" style=\"background:rgba(37,99,235,")
            .append(String.format(Locale.ROOT, "%.2f", 0.08 + 0.6 * rate)).append(")\">")
            .append(escape(ValueFormat.PERCENT.apply(rate))).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static void releases(StringBuilder h, ReportData d) {
    h.append("<section><h2>Releases and environments</h2><div class=\"grid\"><div>");
    h.append("<h3>Interactions and users per app version</h3>");
    table(h, "per-version", List.of("app version", "interactions", "distinct users"), d.perVersion(),
        List.of(r -> r.getAs("app_version"), r -> r.getAs("interactions"), r -> r.getAs("distinct_users")),
        Arrays.asList(null, ValueFormat.COUNT, ValueFormat.COUNT));
    h.append("</div><div><h3>Interactions per environment</h3>");
    table(h, "per-environment", List.of("environment", "interactions"), d.perEnvironment(),
        List.of(r -> r.getAs("environment"), r -> r.getAs("interactions")), Arrays.asList(null, ValueFormat.COUNT));
    h.append("</div></div><h3>Per app version and environment</h3>");
    table(h, "per-release", List.of("app version", "environment", "interactions", "distinct users", "sessions",
            "error rate", "p50", "p95", "tokens", "cost (USD)"), d.perRelease(),
        List.of(r -> r.getAs("app_version"), r -> r.getAs("environment"), r -> r.getAs("interactions"),
            r -> r.getAs("distinct_users"), r -> r.getAs("sessions"), r -> r.getAs("error_rate"),
            r -> r.getAs("p50_duration_ms"), r -> r.getAs("p95_duration_ms"), r -> r.getAs("total_tokens"),
            r -> r.getAs("cost_usd")),
        Arrays.asList(null, null, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.PERCENT,
            ValueFormat.MILLIS, ValueFormat.MILLIS, ValueFormat.COUNT, ValueFormat.USD));
    List<String> days = d.perDay().stream().map(r -> day(r)).toList();
    Map<String, double[]> p95 = new LinkedHashMap<>();
    Map<String, double[]> errors = new LinkedHashMap<>();
    for (Row release : d.perRelease()) {
      p95.put(releaseName(release), nanArray(days.size()));
      errors.put(releaseName(release), nanArray(days.size()));
    }
    for (Row r : d.releaseDays()) {
      int day = days.indexOf(day(r));
      if (day >= 0 && r.getAs("p95_duration_ms") != null) {
        p95.get(releaseName(r))[day] = r.<Double>getAs("p95_duration_ms");
      }
      if (day >= 0 && r.getAs("error_rate") != null) {
        errors.get(releaseName(r))[day] = r.<Double>getAs("error_rate");
      }
    }
    h.append("<div class=\"grid\">");
    h.append(SvgCharts.lines("p95 latency per day, per app version · environment", days, p95, ValueFormat.MILLIS));
    h.append(SvgCharts.lines("Error rate per day, per app version · environment", days, errors,
        ValueFormat.PERCENT));
    h.append("</div></section>");
  }

  /** The two newest versions side by side, as {@code release-compare} prints them. */
  private static void releaseComparison(StringBuilder h, ReportData d) {
    ReleaseComparison.Result r = d.newestReleases();
    if (r == null) {
      return;
    }
    h.append("<section><h2>The newest release against the one before: ").append(escape(r.options().candidate()))
        .append(" vs ").append(escape(r.options().baseline())).append("</h2>");
    h.append("<table data-table=\"release-compare\"><thead><tr><th>metric</th><th>")
        .append(escape(r.options().baseline())).append("</th><th>").append(escape(r.options().candidate()))
        .append("</th><th>difference</th><th>95% interval</th></tr></thead><tbody>");
    for (ReleaseComparison.Metric m : r.metrics()) {
      h.append("<tr><td>").append(escape(m.name())).append("</td>");
      for (double v : new double[] {m.baseline(), m.candidate(), m.difference()}) {
        h.append("<td data-v=\"").append(Double.isFinite(v) ? raw(v) : "").append("\" class=\"num\">")
            .append(Double.isFinite(v) ? escape(String.format(Locale.ROOT, "%.4g", v)) : "–").append("</td>");
      }
      h.append(m.significant() ? "<td class=\"num\"><strong>" : "<td class=\"num\">")
          .append(m.hasInterval() ? String.format(Locale.ROOT, "[%.4g, %.4g]", m.low(), m.high()) : "")
          .append(m.significant() ? "</strong></td>" : "</td>").append("</tr>");
    }
    h.append("</tbody></table>");
    SvgCharts.Drawing relative = ReleaseComparison.relativeDrawing(r);
    if (relative.marks() > 0) {
      h.append(SvgCharts.figure(relative));
    }
    h.append("<p class=\"note\">Traces count under their own app version; intervals: ")
        .append(String.format(Locale.ROOT, "%,d", r.options().resamples()))
        .append(" bootstrap resamples of sessions (seed ").append(r.options().seed())
        .append("), bold where they exclude 0; in the picture, each metric's change relative to ")
        .append(escape(r.options().baseline())).append(", red where its interval excludes 0. The same as ")
        .append("<code>tracelake release-compare</code>, which can also gate a release.</p></section>");
  }

  private static String releaseName(Row r) {
    return Objects.toString(r.getAs("app_version"), "(none)") + " · " + Objects.toString(r.getAs("environment"),
        "(none)");
  }

  private static void users(StringBuilder h, ReportData d) {
    h.append("<section><h2>Busiest users</h2>");
    table(h, "busiest-users", List.of("user", "interactions", "sessions", "error rate", "top category"),
        d.busiestUsers(), List.of(r -> r.getAs("user_id"), r -> r.getAs("interactions"), r -> r.getAs("sessions"),
            r -> r.getAs("error_rate"), r -> r.getAs("top_category")),
        Arrays.asList(null, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.PERCENT, null));
    h.append("</section>");
  }

  /** Cost per release (a chart) and the users who cost most (a table), with how much of it is known. */
  private static void cost(StringBuilder h, ReportData d) {
    h.append("<section><h2>Cost per release and per user</h2>");
    Row o = d.overall();
    long interactions = ((Number) o.getAs("interactions")).longValue();
    long costed = ((Number) o.getAs("costed_traces")).longValue();
    if (costed == 0) {
      h.append("<p>No trace in the range has a known cost. A trace gets one from MLflow (metadata ")
          .append("<code>mlflow.trace.cost</code>, spans' <code>mlflow.llm.cost</code>) or from the prices of its ")
          .append("models in the config's <code>cost.prices</code>; <code>traces.cost_source</code> says which, and ")
          .append("<code>unpriced_models</code> what lacks a price.</p></section>");
      return;
    }
    List<String> names = new ArrayList<>();
    double[] usd = new double[d.perRelease().size()];
    for (int i = 0; i < usd.length; i++) {
      Row r = d.perRelease().get(i);
      names.add(releaseName(r));
      usd[i] = r.getAs("cost_usd") == null ? 0 : r.<Double>getAs("cost_usd");
    }
    h.append("<div class=\"grid\">");
    h.append(SvgCharts.bars("Known cost per app version · environment (USD)", names, usd, ValueFormat.USD));
    h.append("<div><h3>The ").append(ReportData.TOP_COST_USERS).append(" users who cost most</h3>");
    table(h, "costliest-users", List.of("user", "cost (USD)", "per trace", "traces with a cost", "interactions",
            "sessions"), d.costliestUsers(),
        List.of(r -> r.getAs("user_id"), r -> r.getAs("cost_usd"),
            r -> r.<Double>getAs("cost_usd") / ((Number) r.getAs("costed_traces")).doubleValue(),
            r -> r.getAs("costed_traces"), r -> r.getAs("interactions"), r -> r.getAs("sessions")),
        Arrays.asList(null, ValueFormat.USD, ValueFormat.USD, ValueFormat.COUNT, ValueFormat.COUNT,
            ValueFormat.COUNT));
    h.append("</div></div><p class=\"note\">").append(String.format(Locale.ROOT, "%,d of %,d", costed, interactions))
        .append(" traces in range have a known cost (<code>costed_traces</code>); the others add nothing to these ")
        .append("sums — see <code>traces.cost_source</code> and the run summary for the models without a price.")
        .append("</p></section>");
  }

  private static void sessions(StringBuilder h, ReportData d) {
    List<String> turnLabels = new ArrayList<>();
    double[] turnCounts = new double[d.turnsPerSession().size()];
    for (int i = 0; i < turnCounts.length; i++) {
      Row r = d.turnsPerSession().get(i);
      int turns = ((Number) r.get(0)).intValue();
      turnLabels.add(turns >= 10 ? "10+" : String.valueOf(turns));
      turnCounts[i] = ((Number) r.get(1)).doubleValue();
    }
    List<String> gapLabels = List.of(ReportData.GAP_LABELS);
    double[] gapCounts = new double[gapLabels.size()];
    d.gaps().forEach(r -> gapCounts[((Number) r.get(0)).intValue()] = ((Number) r.get(1)).doubleValue());
    h.append("<section><h2>Sessions</h2><div class=\"grid\">");
    h.append(SvgCharts.bars("Sessions by number of turns", turnLabels, turnCounts, ValueFormat.COUNT));
    h.append(SvgCharts.bars("Idle gap before a turn (from the previous turn's end)", gapLabels, gapCounts,
        ValueFormat.COUNT));
    if (d.dropoff() != null && !d.dropoff().isEmpty()) {
      List<String> turns = d.dropoff().stream().map(r -> String.valueOf((Object) r.getAs("turn"))).toList();
      h.append(SvgCharts.lines("Sessions reaching each turn", turns, Map.of("reaching", column(d.dropoff(),
          "sessions_reaching"), "ending there", column(d.dropoff(), "sessions_ending")), ValueFormat.COUNT));
    }
    h.append("</div>");
    if (d.paths() != null && !d.paths().isEmpty()) {
      h.append("<h3>How conversations start: the commonest first five turns</h3>");
      pathsTable(h, d.paths());
    }
    h.append("</section>");
  }

  private static void feedback(StringBuilder h, ReportData d) {
    h.append("<section><h2>Feedback per app version</h2>");
    if (d.feedback().isEmpty()) {
      h.append("<p>No trace in the range has feedback that counts (valid, not overridden).</p></section>");
      return;
    }
    table(h, "feedback", List.of("app version", "feedback", "given", "false (thumbs down)", "share true",
            "mean value"),
        d.feedback(), List.of(r -> r.getAs("app_version"), r -> r.getAs("name"), r -> r.getAs("assessments"),
            r -> r.getAs("negative"), r -> r.getAs("positive_rate"), r -> r.getAs("mean")),
        Arrays.asList(null, null, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.PERCENT,
            v -> String.format(Locale.ROOT, "%.2f", v)));
    h.append("</section>");
  }

  private static void spans(StringBuilder h, ReportData d) {
    h.append("<section><h2>Spans: tool calls, retrievals and models</h2>");
    if (d.spanTypes() == null) {
      h.append("<p>This warehouse has no spans table (ingest.spans is off, or its exports were read before spans "
          + "were kept).</p></section>");
      return;
    }
    if (d.spanTypes().isEmpty()) {
      h.append("<p>No trace in the range has spans.</p></section>");
      return;
    }
    List<String> types = new ArrayList<>();
    double[] calls = new double[d.spanTypes().size()];
    double[] p95 = new double[calls.length];
    for (int i = 0; i < calls.length; i++) {
      Row r = d.spanTypes().get(i);
      types.add(Objects.toString(r.get(0), "(no type)"));
      calls[i] = ((Number) r.getAs("calls")).doubleValue();
      Object p = r.getAs("p95_duration_ms");
      p95[i] = p == null ? 0 : ((Number) p).doubleValue();
    }
    h.append("<div class=\"grid\">");
    h.append(SvgCharts.bars("Span calls per span type", types, calls, ValueFormat.COUNT));
    h.append(SvgCharts.bars("p95 span latency per span type", types, p95, ValueFormat.MILLIS));
    h.append("</div>");
    List<String> header = List.of("span type", "calls", "traces", "error rate", "p50", "p95", "tokens", "cost (USD)");
    List<Function<Row, Object>> cells = List.of(r -> Objects.toString(r.get(0), "(no type)"), r -> r.getAs("calls"),
        r -> r.getAs("traces"), r -> r.getAs("error_rate"), r -> r.getAs("p50_duration_ms"),
        r -> r.getAs("p95_duration_ms"), r -> r.getAs("total_tokens"), r -> r.getAs("cost"));
    List<ValueFormat> formats = Arrays.asList(null, ValueFormat.COUNT, ValueFormat.COUNT, ValueFormat.PERCENT,
        ValueFormat.MILLIS, ValueFormat.MILLIS, ValueFormat.COUNT, v -> String.format(Locale.ROOT, "%.4f", v));
    table(h, "span-types", header, d.spanTypes(), cells, formats);
    if (!d.models().isEmpty()) {
      List<String> modelHeader = new ArrayList<>(header);
      modelHeader.set(0, "model");
      table(h, "models", modelHeader, d.models(), cells, formats);
    }
    h.append("<p class=\"note\">From the <code>spans</code> table: every span of the traces in range; a trace's "
        + "spans count on its request date. Percentiles exact, over spans with both times.</p></section>");
  }

  private static void quarantine(StringBuilder h, ReportData d) {
    h.append("<section><h2>Quarantine by reason</h2>");
    if (d.quarantine().isEmpty()) {
      h.append("<p>Nothing was quarantined.</p></section>");
      return;
    }
    table(h, "quarantine", List.of("reason", "records"), d.quarantine(),
        List.of(r -> r.getAs("reason"), r -> r.getAs("records")), Arrays.asList(null, ValueFormat.COUNT));
    h.append("<p class=\"note\">All ingest runs: a quarantined record has no date the report could trust.</p>")
        .append("</section>");
  }

  /** A table; a null format writes the value as text, a null value as "(none)" (its raw value stays empty). */
  private static void table(StringBuilder h, String name, List<String> header, List<Row> rows,
      List<Function<Row, Object>> cells, List<ValueFormat> formats) {
    h.append("<table data-table=\"").append(name).append("\"><thead><tr>");
    header.forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
    h.append("</tr></thead><tbody>");
    for (Row r : rows) {
      h.append("<tr>");
      for (int i = 0; i < cells.size(); i++) {
        Object v = cells.get(i).apply(r);
        ValueFormat f = formats.get(i);
        String shown = v == null ? (f == null ? "(none)" : "–") : f == null ? String.valueOf(v)
            : f.apply(number(v));
        h.append("<td data-v=\"").append(escape(raw(v))).append('"').append(f == null ? "" : " class=\"num\"")
            .append('>').append(escape(shown)).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static String day(Row r) {
    return Objects.toString(r.getAs("activity_date"));
  }

  private static double[] column(List<Row> rows, String column) {
    double[] out = new double[rows.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = rows.get(i).getAs(column);
      out[i] = v == null ? Double.NaN : number(v);
    }
    return out;
  }

  private static double[] nanArray(int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, Double.NaN);
    return out;
  }

  private static double number(Object v) {
    return ((Number) v).doubleValue();
  }

  private static String raw(Object v) {
    return v == null ? "" : String.valueOf(v);
  }

  private static final String STYLE = String.join("\n",
      ":root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb}",
      "*{box-sizing:border-box}body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
          + "Roboto,'DejaVu Sans',sans-serif;color:var(--fg);background:#fff}",
      "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 12px;padding-top:8px;"
          + "border-top:1px solid var(--line)}h3{font-size:14px;margin:16px 0 8px;color:#374151}",
      ".meta,.note,footer{color:var(--muted)}footer{margin-top:40px;font-size:12px}code{font-size:12px}",
      ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin-top:16px}",
      ".card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:12px 14px}",
      ".card .value{font-size:22px;font-weight:600}.card .label{color:var(--muted);font-size:12px}",
      ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}",
      "figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px}",
      "figcaption{font-weight:600;margin-bottom:4px}svg.chart{width:100%;height:auto;display:block}",
      "svg .grid{stroke:var(--line);stroke-width:1}svg .tick{font-size:11px;fill:var(--muted)}",
      ".legend{font-size:12px;color:#374151;margin-top:4px}.key{margin-right:12px;white-space:nowrap}",
      ".key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}",
      "table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}th,td{padding:4px 10px;"
          + "border-bottom:1px solid var(--line);text-align:left}th{color:#374151;font-weight:600}",
      "td.num{text-align:right;font-variant-numeric:tabular-nums}");

  /**
   * Marks the page for a headless browser check: {@code data-report-status} on the body becomes {@code ok}, or names
   * a script error or a chart that drew nothing.
   */
  private static final String SELF_CHECK = String.join("\n",
      "(function(){var errors=[];window.addEventListener('error',function(e){errors.push(e.message);});",
      "window.addEventListener('load',function(){var status;",
      "if(errors.length){status='script error: '+errors.join('; ');}else{var empty=[];",
      "document.querySelectorAll('figure').forEach(function(f){if(!f.querySelector('svg.chart .mark')){",
      "empty.push(f.querySelector('figcaption').textContent);}});",
      "status=empty.length?'empty chart: '+empty.join('; '):'ok';}",
      "document.body.dataset.reportStatus=status;",
      "document.body.dataset.charts=String(document.querySelectorAll('svg.chart').length);});})();");
}
