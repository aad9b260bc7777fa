package io.tracelake.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.reports.SessionFlow;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The notebooks' API on the shared test session: tables by name, reports as values, search, charts as images. */
class ExplorationApiTest {

  private static Warehouses wh;

  @BeforeAll
  static void ingest() {
    Path dir = SharedSpark.tempDir("wh-explore");
    Path sessions = Path.of(System.getProperty("tracelake.repo.root", ".."), "samples", "eval-sessions");
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
}
