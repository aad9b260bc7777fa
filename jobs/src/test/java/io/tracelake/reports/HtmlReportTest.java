package io.tracelake.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SamplesWarehouse;
import io.tracelake.SharedSpark;
import io.tracelake.cli.TracelakeCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tracelake report} on the bundled samples: the numbers are parsed back from the HTML and compared with the
 * analytics tables and with Spark's own aggregates over {@code traces}.
 */
class HtmlReportTest {

  private static Path warehouse;
  private static String html;

  @BeforeAll
  static void runAndReport() throws IOException {
    warehouse = SamplesWarehouse.path();
    Path out = SharedSpark.tempDir("report").resolve("report.html");
    assertEquals(0, quietly("report", "--warehouse", warehouse.toString(), "--output", out.toString()));
    html = Files.readString(out);
  }

  private static int quietly(String... args) {
    PrintStream original = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      return TracelakeCli.commandLine().execute(args);
    } finally {
      System.setOut(original);
    }
  }

  private static Dataset<Row> table(String name) {
    return SharedSpark.session().read().format("delta").load(warehouse.resolve(name).toString());
  }

  private static String figure(String page, String key) {
    Matcher m = Pattern.compile("data-figure=\"" + key + "\" data-value=\"([^\"]*)\"").matcher(page);
    assertTrue(m.find(), "figure " + key);
    return m.group(1);
  }

  /** The raw cell values of a table, row by row. */
  private static List<List<String>> rows(String page, String name) {
    int start = page.indexOf("<table data-table=\"" + name + "\"");
    assertTrue(start >= 0, "table " + name);
    String body = page.substring(start, page.indexOf("</table>", start));
    List<List<String>> rows = new ArrayList<>();
    for (String tr : body.split("<tr>")) {
      if (!tr.contains("<td")) {
        continue;
      }
      List<String> cells = new ArrayList<>();
      Matcher m = Pattern.compile("<td data-v=\"([^\"]*)\"").matcher(tr);
      while (m.find()) {
        cells.add(m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
      }
      rows.add(cells);
    }
    return rows;
  }

  @Test
  void headlineFiguresEqualSparksOwnAggregatesOverTraces() {
    Row t = table("traces").selectExpr("count(*) AS n", "count(DISTINCT user_id) AS users",
        "avg(CASE WHEN state = 'ERROR' THEN 1.0D ELSE 0.0D END) AS error_rate",
        "percentile(execution_duration_ms, 0.5) AS p50", "percentile(execution_duration_ms, 0.95) AS p95",
        "sum(coalesce(total_tokens, 0)) AS tokens").first();
    assertEquals(t.getLong(0), Long.parseLong(figure(html, "traces")));
    assertEquals(t.getLong(1), Long.parseLong(figure(html, "users")));
    assertEquals(table("sessions").count(), Long.parseLong(figure(html, "sessions")));
    assertEquals(t.getDouble(2), Double.parseDouble(figure(html,
        "error_rate")), 1e-12);
    assertEquals(t.getDouble(3), Double.parseDouble(figure(html, "p50_duration_ms")), 1e-9);
    assertEquals(t.getDouble(4), Double.parseDouble(figure(html, "p95_duration_ms")), 1e-9);
    assertEquals(t.getLong(5), Long.parseLong(figure(html, "total_tokens")));
    assertEquals(table("traces_quarantine").count(), Long.parseLong(figure(html, "quarantined")));
    // The samples' newest release carries the cost MLflow records; the others are unpriced under the defaults.
    Row cost = table("traces").selectExpr("sum(cost_usd)", "count(cost_usd)",
        "count_if(cost_source = 'unpriced')").first();
    assertTrue(cost.getLong(1) > 0 && cost.getLong(2) > 0, "some traces have a cost, some have none");
    assertEquals(cost.getDouble(0), Double.parseDouble(figure(html, "cost_usd")), 1e-9);
  }

  @Test
  void theUsersWhoCostMostAreTheUserSummarysTop() {
    List<String> expected = table("user_summary").where("user_id IS NOT NULL AND cost_usd IS NOT NULL")
        .orderBy(org.apache.spark.sql.functions.col("cost_usd").desc(), org.apache.spark.sql.functions.col("user_id"))
        .limit(20).collectAsList().stream().map(r -> r.getAs("user_id") + " " + r.getAs("costed_traces"))
        .toList();
    List<String> shown = rows(html, "costliest-users").stream().map(r -> r.get(0) + " " + r.get(3)).toList();
    assertEquals(expected, shown);
  }

  @Test
  void releaseTablesEqualTheAnalyticsTables() {
    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (Row r : table("version_summary").orderBy("app_version", "environment").collectAsList()) {
      expected.put(r.getAs("app_version") + "|" + r.getAs("environment"), List.of(
          String.valueOf((Object) r.getAs("interactions")), String.valueOf((Object) r.getAs("distinct_users")),
          String.valueOf((Object) r.getAs("sessions")), String.valueOf((Object) r.getAs("error_rate")),
          String.valueOf((Object) r.getAs("p95_duration_ms"))));
    }
    Map<String, List<String>> shown = new LinkedHashMap<>();
    for (List<String> r : rows(html, "per-release")) {
      shown.put((r.get(0).isEmpty() ? "null" : r.get(0)) + "|" + (r.get(1).isEmpty() ? "null" : r.get(1)),
          List.of(r.get(2), r.get(3), r.get(4), r.get(5), r.get(7)));
    }
    assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(shown));

    // The tutorial's release breakdown, computed here straight from traces.
    Map<String, String> perVersion = new LinkedHashMap<>();
    table("traces").groupBy("app_version").agg(org.apache.spark.sql.functions.count("*"),
        org.apache.spark.sql.functions.countDistinct("user_id")).collectAsList()
        .forEach(r -> perVersion.put(String.valueOf((Object) r.get(0)), r.get(1) + "/" + r.get(2)));
    Map<String, String> shownPerVersion = new LinkedHashMap<>();
    rows(html, "per-version").forEach(r -> shownPerVersion.put(r.get(0).isEmpty() ? "null" : r.get(0),
        r.get(1) + "/" + r.get(2)));
    assertEquals(new java.util.TreeMap<>(perVersion), new java.util.TreeMap<>(shownPerVersion));

    Row busiest = table("user_summary").where("user_id IS NOT NULL").orderBy(
        org.apache.spark.sql.functions.col("interactions").desc(), org.apache.spark.sql.functions.col("user_id"))
        .first();
    List<String> top = rows(html, "busiest-users").get(0);
    assertEquals(List.of(busiest.getAs("user_id"), String.valueOf((Object) busiest.getAs("interactions"))),
        top.subList(0, 2));
  }

  @Test
  void theFileIsSelfContainedAndEveryChartDrawsMarks() {
    assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing loaded from the network");
    assertFalse(html.contains("<link"), "no external style sheet");
    String[] figures = html.split("<figure>");
    assertEquals(15, figures.length, "fourteen charts: seven of traces and sessions, three of active users, one of "
        + "the newest release against the one before, one of cost, two of spans");
    for (int i = 1; i < figures.length; i++) {
      assertTrue(figures[i].contains("class=\"mark\""), "chart " + i + " draws something");
    }
  }

  @Test
  void chartHelpersDrawOneMarkPerValue() {
    String bars = SvgCharts.bars("b", List.of("a", "b", "c"), new double[] {1, 0, 3}, SvgCharts.ValueFormat.COUNT);
    assertEquals(3, bars.split("class=\"mark\"", -1).length - 1);
    assertTrue(bars.contains("viewBox=\"0 0 640 260\""), "fixed drawing size, scaled by the page");
    Map<String, double[]> series = new LinkedHashMap<>();
    series.put("x", new double[] {1, Double.NaN, 2});
    series.put("y", new double[] {Double.NaN, 5, 6});
    String lines = SvgCharts.lines("l", List.of("d1", "d2", "d3"), series, SvgCharts.ValueFormat.MILLIS);
    assertEquals(4, lines.split("class=\"mark\"", -1).length - 1, "gaps draw no point");
    assertTrue(lines.contains("y · d2: 5 ms"), lines);
    assertTrue(SvgCharts.escape("<a & \"b\">").equals("&lt;a &amp; &quot;b&quot;&gt;"));
  }

  @Test
  void rangeAndFilterNarrowTheFigures() throws IOException {
    Path out = SharedSpark.tempDir("report").resolve("narrow.html");
    assertEquals(0, quietly("report", "--warehouse", warehouse.toString(), "--output", out.toString(), "--from",
        "2025-12-09", "--to", "2025-12-12", "--filter", "environment = 'production'"));
    String page = Files.readString(out);
    long expected = table("traces").where("request_date BETWEEN DATE'2025-12-09' AND DATE'2025-12-12' AND "
        + "environment = 'production'").count();
    assertEquals(expected, Long.parseLong(figure(page, "traces")));
    assertTrue(page.contains("filter <code>environment = &#39;production&#39;</code>")
        || page.contains("filter <code>environment = 'production'</code>"), "the filter is named");
    assertEquals(List.of("production"), rows(page, "per-environment").stream().map(r -> r.get(0)).toList());
  }

  @Test
  void activeUsersAndRetentionShowTheTablesRowsForAllEnvironments() {
    List<Row> retention = table("user_retention").where("environment = 'ALL' AND week_offset <= 8")
        .orderBy("cohort_week", "week_offset").collectAsList();
    assertFalse(retention.isEmpty());
    assertEquals(retention.stream().map(r -> String.valueOf((Object) r.getAs("retention_rate"))).toList(),
        rows(html, "retention").stream().flatMap(List::stream).toList(), "each cohort's rates, week by week");
    Row busiest = table("active_users").where("environment = 'ALL'").orderBy(functions.col("mau").desc()).first();
    assertTrue(html.contains("28 days · " + busiest.getAs("activity_date") + ": " + busiest.getAs("mau")),
        "the MAU line's point of its highest day");
    Row production = table("active_users").where("environment = 'production'").orderBy(functions.col("mau").desc())
        .first();
    assertTrue(html.contains("production · " + production.getAs("activity_date") + ": " + production.getAs("mau")),
        "the production line's point of its highest day");
  }

  @Test
  void sessionPathsAreTheCommonestFirstTurnsOfTheSessionsTable() {
    List<Row> expected = SharedSpark.session().sql("SELECT path, count(*) AS n, count(*) / sum(count(*)) OVER () AS share "
        + "FROM delta.`" + warehouse.resolve("sessions") + "` GROUP BY path ORDER BY n DESC, path LIMIT 10")
        .collectAsList();
    assertFalse(expected.isEmpty());
    List<List<String>> shown = rows(html, "paths");
    assertEquals(expected.size(), shown.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(Double.parseDouble(String.valueOf((Object) expected.get(i).getAs("share"))),
          Double.parseDouble(shown.get(i).get(0)), 1e-12, "share of path " + expected.get(i).getAs("path"));
    }
    String first = html.substring(html.indexOf("<table data-table=\"paths\""));
    assertTrue(first.contains("<td>" + expected.get(0).<String>getAs("path").replace(">", "&gt;") + "</td>"),
        "the commonest path first");
  }

  @Test
  void theNewestTwoReleasesAreComparedWithTheirErrorRatesFromTraces() {
    List<Row> newest = SharedSpark.session().sql("SELECT app_version, min(request_time) AS first FROM delta.`"
        + warehouse.resolve("traces") + "` WHERE app_version IS NOT NULL GROUP BY app_version "
        + "ORDER BY first DESC, app_version DESC LIMIT 2").collectAsList();
    String candidate = newest.get(0).getString(0);
    String baseline = newest.get(1).getString(0);
    assertTrue(html.contains("The newest release against the one before: " + candidate + " vs " + baseline), html);
    List<List<String>> shown = rows(html, "release-compare");
    int errorRate = ReleaseComparison.METRICS.indexOf("error_rate");
    for (int i = 0; i < 2; i++) {
      String version = i == 0 ? baseline : candidate;
      double expected = table("traces").where(functions.col("app_version").equalTo(version))
          .selectExpr("avg(CASE WHEN state = 'ERROR' THEN 1.0D ELSE 0.0D END)").first().getDouble(0);
      assertEquals(expected, Double.parseDouble(shown.get(errorRate).get(i)), 1e-12, "error rate of " + version);
    }
    // The picture under the table: one interval per tested metric whose baseline is not 0 (no relative difference).
    long drawable = ReleaseComparison.TESTED.stream().map(m -> shown.get(ReleaseComparison.METRICS.indexOf(m)))
        .filter(cells -> !cells.get(0).isEmpty() && Double.parseDouble(cells.get(0)) != 0).count();
    int table = html.indexOf("<table data-table=\"release-compare\"");
    String section = html.substring(table, html.indexOf("</section>", table));
    assertTrue(section.contains("<figcaption>" + candidate + " vs " + baseline + ": relative difference"),
        section);
    assertEquals(drawable, section.split("class=\"mark\"", -1).length - 1, section);
  }

  @Test
  void badInputGivesOneLineAndExitCode2() {
    StringWriter err = new StringWriter();
    var cli = TracelakeCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    Path out = SharedSpark.tempDir("report").resolve("bad.html");
    assertEquals(2, cli.execute("report", "--warehouse", warehouse.resolve("nope").toString(), "--output",
        out.toString()));
    assertTrue(err.toString().contains("does not exist"), err.toString());
    assertEquals(2, cli.execute("report", "--warehouse", warehouse.toString(), "--output", out.toString(),
        "--filter", "tags.x IN ('a')"));
    assertTrue(err.toString().contains("Invalid comparator 'IN'"), err.toString());
    assertEquals(2, cli.execute("report", "--warehouse", warehouse.toString(), "--output", out.toString(),
        "--from", "2025-12-10", "--to", "2025-12-01"));
    assertFalse(Files.exists(out));
  }
}
