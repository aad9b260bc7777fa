package io.tracelake.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.reports.ReleaseComparison;
import io.tracelake.reports.SessionFlow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The notebooks' API on the shared test session: tables by name, reports as values, search, charts as images. */
class ExplorationApiTest {

  private static final Path SESSIONS = Path.of(System.getProperty("tracelake.repo.root", ".."), "samples",
      "eval-sessions");
  private static Warehouses wh;

  @BeforeAll
  static void ingest() {
    Path dir = SharedSpark.tempDir("wh-explore");
    Path sessions = SESSIONS;
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(sessions.toString()),
        dir.toString(), null));
    wh = Warehouses.open(SharedSpark.session(), dir.toString());
  }

  @Test
  void tablesReportsAndSearch() {
    assertEquals(13, wh.traces().count());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wh.table("sessions"));
    assertTrue(e.getMessage().contains("tables: traces, spans, traces_quarantine, ingest_runs"), e.getMessage());
    assertEquals(4, wh.search("feedback.user_satisfaction = 'false'").count());
    SessionFlow flow = wh.sessionFlow("sess-login-7d0");
    assertEquals(4, flow.turns().size());
    assertEquals(4, wh.userReport("user-0103", 30, java.time.Instant.parse("2025-12-15T00:00:00Z"))
        .interactions());
    assertEquals(10, wh.evalRecords("feedback.user_satisfaction = 'false'", true).count());
  }

  @Test
  void chartsAreImagesOfTheirSizeWithOneMarkPerValue() {
    Dataset<Row> perUser = wh.traces().groupBy("user_id").count().orderBy("user_id");
    Chart bars = Charts.bar("Traces per user", perUser, "user_id", "count");
    assertEquals(6, bars.marks(), "five users and the traces without one");
    assertEquals(640, bars.width());
    assertTrue(bars.svg().startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\""
        + bars.height() + "\""), bars.svg().substring(0, 120));
    assertEquals(6, bars.svg().split("class=\"mark\"", -1).length - 1);

    Dataset<Row> perDay = wh.traces().groupBy("request_date", "environment").count()
        .orderBy("request_date", "environment");
    Chart lines = Charts.line("Traces per day", perDay, "request_date", "count", "environment");
    assertEquals(perDay.count(), lines.marks());
    assertTrue(lines.svg().contains(">staging</text>"), "a legend names the series");

    Chart histogram = Charts.histogram("Durations", wh.traces(), "execution_duration_ms", 4);
    assertEquals(4, histogram.marks());
    assertThrows(IllegalArgumentException.class, () -> Charts.histogram("x", wh.traces(), "execution_duration_ms",
        0));

    Chart timeline = Charts.sessionTimeline(wh.sessionFlow("sess-refund-9f1"));
    assertEquals(3, timeline.marks(), "one bar per turn");
    assertTrue(timeline.svg().contains("turn 1"));
  }

  @Test
  void releasesCompareAsTheCommandDoesAndDrawOneIntervalPerMetric() throws IOException {
    // Independently: traces and ERROR traces per app_version, read from the export with Jackson.
    ObjectMapper json = new ObjectMapper();
    long[] traces = new long[2];
    long[] errors = new long[2];
    for (String line : Files.readAllLines(SESSIONS.resolve("support-conversations.jsonl"))) {
      JsonNode info = json.readTree(line).path("info");
      int v = List.of("1.0.0", "1.1.0").indexOf(info.path("trace_metadata").path("app_version").asText());
      if (v < 0) {
        continue; // a trace without a release
      }
      traces[v]++;
      errors[v] += info.path("state").asText().equals("ERROR") ? 1 : 0;
    }
    ReleaseComparison.Result r = wh.compareReleases("1.0.0", "1.1.0", null);
    assertEquals(traces[0], r.metric("traces").baseline());
    assertEquals(traces[1], r.metric("traces").candidate());
    assertEquals((double) errors[0] / traces[0], r.metric("error_rate").baseline(), 1e-12);
    assertEquals((double) errors[1] / traces[1], r.metric("error_rate").candidate(), 1e-12);
    assertEquals(ReleaseComparison.DEFAULT_RESAMPLES, r.options().resamples());

    Chart chart = Charts.releaseComparison(r);
    long drawable = r.metrics().stream().filter(ReleaseComparison.Metric::hasInterval)
        .filter(m -> Double.isFinite(m.candidate() / m.baseline() - 1) && Double.isFinite(m.relativeLow())
            && Double.isFinite(m.relativeHigh())).count();
    assertTrue(drawable > 0, "the samples have metrics to draw");
    assertEquals(drawable, chart.marks(), "one interval per metric with a relative difference");
    assertEquals(drawable, chart.svg().split("class=\"mark\"", -1).length - 1);
    assertTrue(chart.svg().contains(">p95_duration_ms</text>"), "each row is labelled with its metric");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> wh.compareReleases("0.9.0", "1.1.0", null));
    assertTrue(e.getMessage().contains("No traces of app_version '0.9.0'")
        && e.getMessage().endsWith("versions with traces: 1.0.0, 1.1.0"), e.getMessage());
  }
}
