package io.tracelake.analytics;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_from_entries;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.generate.TraceGenerator;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.warehouse.ConcurrentWrites;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/**
 * The analytics job incremental against full: the same traces arrive in batches (later days, sessions that cross
 * midnight, traces that arrive days late for an old date), with analytics run for each batch's touched dates; every
 * table must equal a single full recomputation over all the traces.
 */
class AnalyticsJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

  @Test
  void incrementalRunsEqualAFullRecomputation() throws IOException {
    Path export = SharedSpark.tempDir("an-export");
    List<Path> files = new TraceGenerator(new TraceGenerator.Spec(1500, 11, 4, 25, 1, false,
        LocalDate.parse("2025-12-01"))).writeTo(export, 2);
    List<String> lines = Files.readAllLines(files.get(0));

    // Batches: day 1 without its last 20 traces; days 2-3; day 4; the 20 held-back day-1 traces (late arrivals).
    Map<Integer, List<String>> batches = new TreeMap<>();
    List<String> day1 = new ArrayList<>();
    for (String line : lines) {
      int day = LocalDate.parse(requestTime(line).substring(0, 10)).getDayOfMonth();
      if (day == 1) {
        day1.add(line);
      } else {
        batches.computeIfAbsent(day == 4 ? 3 : 2, k -> new ArrayList<>()).add(line);
      }
    }
    // A session that crosses midnight: its first turn arrives with day 1, its second with days 2-3, and a third
    // turn, timed between the two, arrives last (late, for day 1).
    List<String> batch1 = new ArrayList<>(day1.subList(0, day1.size() - 20));
    batch1.add(trace("tr-midnight-1", "2025-12-01T23:59:30Z", "s-midnight", 4000));
    batches.get(2).add(trace("tr-midnight-3", "2025-12-02T00:00:20Z", "s-midnight", 1000));
    List<String> late = new ArrayList<>(day1.subList(day1.size() - 20, day1.size()));
    late.add(trace("tr-midnight-2", "2025-12-01T23:59:50Z", "s-midnight", 2000));
    // A session first seen on day 2 whose late trace from day 1 becomes its turn 1: its row in `sessions` moves
    // from the 2025-12-02 partition to 2025-12-01, and must not be left behind in the old one.
    batches.get(2).add(trace("tr-early-2", "2025-12-02T00:10:00Z", "s-early", 500));
    late.add(trace("tr-early-1", "2025-12-01T23:50:00Z", "s-early", 700));
    batches.put(1, batch1);
    batches.put(4, late);
    assertTrue(crossesMidnight(batches.values().stream().flatMap(List::stream).toList()),
        "the data has a session that crosses midnight");

    Path incremental = SharedSpark.tempDir("an-incremental");
    Path batchDir = SharedSpark.tempDir("an-batches");
    for (Map.Entry<Integer, List<String>> batch : batches.entrySet()) {
      Path file = batchDir.resolve("batch-" + batch.getKey() + ".jsonl");
      Files.write(file, batch.getValue());
      IngestSummary s = IngestJob.run(spark, config,
          new IngestJob.Options(List.of(file.toString()), incremental.toString(), null));
      AnalyticsJob.run(spark, config, Warehouse.openForRead(spark, incremental.toString()),
          AnalyticsJob.pendingDates(Warehouse.openForRead(spark, incremental.toString())));
      assertEquals(batch.getValue().size(), s.inserted());
    }
    // Running again for the last ingest's dates changes nothing.
    AnalyticsJob.run(spark, config, Warehouse.openForRead(spark, incremental.toString()),
        DateSelection.of(List.of(LocalDate.parse("2025-12-01"))));

    Path full = SharedSpark.tempDir("an-full");
    IngestJob.run(spark, config, new IngestJob.Options(List.of(batchDir.toString()), full.toString(), null));
    AnalyticsJob.Outcome outcome = AnalyticsJob.run(spark, config, Warehouse.openForRead(spark, full.toString()),
        DateSelection.all());
    assertEquals(1505, outcome.tracesInRange());
    Row turn2 = spark.read().format("delta").load(incremental.resolve(AnalyticsTables.SESSION_TURNS).toString())
        .where(col("trace_id").equalTo("tr-midnight-2")).first();
    assertEquals(2, (int) turn2.getAs("turn"), "the late trace took its place in the session");
    List<Row> early = spark.read().format("delta").load(incremental.resolve(AnalyticsTables.SESSIONS).toString())
        .where(col("session_id").equalTo("s-early")).collectAsList();
    assertEquals(1, early.size(), "one row for the session after its start moved to an earlier date");
    assertEquals(LocalDate.parse("2025-12-01"), early.get(0).getAs("session_date"));

    Map<String, List<String>> keys = Map.ofEntries(
        Map.entry(AnalyticsTables.TRACES_FLAT, List.of("trace_id")),
        Map.entry(AnalyticsTables.DAILY_USER_ACTIVITY, List.of("activity_date", "user_id")),
        Map.entry(AnalyticsTables.VERSION_BREAKDOWN, List.of("activity_date", "app_version", "environment")),
        Map.entry(AnalyticsTables.FEEDBACK_DAILY, List.of("activity_date", "app_version", "environment",
            "assessment_name", "source_type")),
        Map.entry(AnalyticsTables.SESSION_TURNS, List.of("trace_id")),
        Map.entry(AnalyticsTables.SESSIONS, List.of("session_id")),
        Map.entry(AnalyticsTables.SESSION_PATHS, List.of("app_version", "environment", "path")),
        Map.entry(AnalyticsTables.TURN_DROPOFF, List.of("app_version", "environment", "turn")),
        Map.entry(AnalyticsTables.USER_SUMMARY, List.of("user_id")),
        Map.entry(AnalyticsTables.VERSION_SUMMARY, List.of("app_version", "environment")),
        Map.entry(AnalyticsTables.ENVIRONMENT_SUMMARY, List.of("environment")),
        Map.entry(AnalyticsTables.ACTIVE_USERS, List.of("activity_date", "environment")),
        Map.entry(AnalyticsTables.USER_RETENTION, List.of("cohort_week", "week_offset", "environment")),
        Map.entry(AnalyticsTables.SPAN_DAILY, List.of("activity_date", "app_version", "environment", "span_type",
            "name", "model")));
    List<String> tables = new ArrayList<>(AnalyticsTables.all());
    tables.addAll(AnalyticsTables.optional());
    for (String table : tables) {
      Dataset<Row> expected = comparable(spark.read().format("delta").load(full.resolve(table).toString()),
          keys.get(table));
      Dataset<Row> actual = comparable(spark.read().format("delta").load(incremental.resolve(table).toString()),
          keys.get(table));
      assertEquals(expected.count(), actual.count(), table);
      SharedSpark.frames().assertDataFrameApproximateEquals(expected, actual, 1e-6);
    }
  }

  @Test
  void theDailyTablesCoverEveryDateBeforeTheSummariesMergeFromThem() throws IOException {
    Path export = SharedSpark.tempDir("an-pending-export");
    List<String> lines = Files.readAllLines(new TraceGenerator(new TraceGenerator.Spec(240, 9, 3, 8, 1, false,
        LocalDate.parse("2025-12-01"))).writeTo(export, 1).get(0));
    Path batches = SharedSpark.tempDir("an-pending-batches");
    Map<String, List<String>> byDay = new TreeMap<>();
    for (String line : lines) {
      byDay.computeIfAbsent(requestTime(line).substring(0, 10), k -> new ArrayList<>()).add(line);
    }
    Path dir = SharedSpark.tempDir("an-pending");
    List<String> days = new ArrayList<>(byDay.keySet());
    for (String day : days) {
      Files.write(batches.resolve(day + ".jsonl"), byDay.get(day));
    }
    // Day 1 alone; the first analytics run asks for that day only, but there are no daily tables yet: all dates.
    IngestJob.run(spark, config, new IngestJob.Options(List.of(batches.resolve(days.get(0) + ".jsonl").toString()),
        dir.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(spark, dir.toString());
    assertTrue(AnalyticsJob.run(spark, config, warehouse, DateSelection.of(List.of(LocalDate.parse(days.get(0)))))
        .dates().isAll());
    // Two more ingests without analytics in between: both are pending.
    for (String day : days.subList(1, days.size())) {
      IngestJob.run(spark, config, new IngestJob.Options(List.of(batches.resolve(day + ".jsonl").toString()),
          dir.toString(), null));
    }
    assertEquals(DateSelection.of(days.subList(1, days.size()).stream().map(LocalDate::parse).toList()).toString(),
        AnalyticsJob.pendingDates(warehouse).toString());
    // A copy of the warehouse gives every log file a new modification time; the pending dates stay the same.
    try (var logFiles = Files.list(dir.resolve(AnalyticsTables.DAILY_USER_ACTIVITY).resolve("_delta_log"))) {
      FileTime later = FileTime.from(java.time.Instant.now().plusSeconds(86_400));
      for (Path f : logFiles.toList()) {
        Files.setLastModifiedTime(f, later);
      }
    }
    assertEquals(DateSelection.of(days.subList(1, days.size()).stream().map(LocalDate::parse).toList()).toString(),
        AnalyticsJob.pendingDates(warehouse).toString(), "after a copy");
    // Asked for the last day only, the run also computes the day between, which has no daily rows yet.
    AnalyticsJob.Outcome outcome = AnalyticsJob.run(spark, config, warehouse,
        DateSelection.of(List.of(LocalDate.parse(days.get(days.size() - 1)))));
    assertEquals(lines.size(), outcome.tracesInRange() + byDay.get(days.get(0)).size());
    Dataset<Row> traces = warehouse.read(io.tracelake.warehouse.TableNames.TRACES);
    assertEquals(comparable(UserSummary.compute(traces, "query_category"), List.of("user_id")).collectAsList(),
        comparable(warehouse.read(AnalyticsTables.USER_SUMMARY), List.of("user_id")).collectAsList(),
        "user_summary equals one computed from all the traces");
    assertTrue(AnalyticsJob.pendingDates(warehouse).isEmpty(), "nothing pending after the run");
  }

  @Test
  void aWarehouseFromBeforeTheMergeColumnsIsRecomputedInFullOnce() throws IOException {
    Path export = SharedSpark.tempDir("an-old-export");
    new TraceGenerator(new TraceGenerator.Spec(200, 5, 3, 6, 1, false, LocalDate.parse("2025-12-01")))
        .writeTo(export, 1);
    Path dir = SharedSpark.tempDir("an-old");
    IngestJob.run(spark, config, new IngestJob.Options(List.of(export.toString()), dir.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(spark, dir.toString());
    AnalyticsJob.run(spark, config, warehouse, DateSelection.all());
    String daily = dir.resolve(AnalyticsTables.DAILY_USER_ACTIVITY).toString();
    Dataset<Row> expected = comparable(spark.read().format("delta").load(
        dir.resolve(AnalyticsTables.USER_SUMMARY).toString()), List.of("user_id")).cache();
    expected.count();
    // As an earlier version wrote it: no session ids, no durations.
    spark.read().format("delta").load(daily)
        .drop(TraceStats.SESSION_IDS, TraceStats.DURATIONS, TraceStats.DURATION_COUNT, TraceStats.DURATION_SUM)
        .write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(daily + "-old");
    spark.read().format("delta").load(daily + "-old").write().format("delta").mode("overwrite")
        .option("overwriteSchema", "true").partitionBy(DailyUserActivity.DATE).save(daily);

    AnalyticsJob.Outcome outcome = AnalyticsJob.run(spark, config, warehouse,
        DateSelection.of(List.of(LocalDate.parse("2025-12-02"))));
    assertTrue(outcome.dates().isAll(), "recomputed all dates instead of merging from incomplete rows");
    assertTrue(List.of(spark.read().format("delta").load(daily).columns()).contains(TraceStats.SESSION_IDS));
    SharedSpark.frames().assertDataFrameApproximateEquals(expected, comparable(spark.read().format("delta").load(
        dir.resolve(AnalyticsTables.USER_SUMMARY).toString()), List.of("user_id")), 1e-9);
  }

  @Test
  void aRunWhoseAnalyticsFailedAfterTheDailyTablesIsCompletedByTheNextRunOfTheSameExport() throws IOException {
    Path export = SharedSpark.tempDir("an-killed-export");
    new TraceGenerator(new TraceGenerator.Spec(300, 7, 3, 10, 1, false, LocalDate.parse("2025-12-01")))
        .writeTo(export, 1);
    Path dir = SharedSpark.tempDir("an-killed");
    // A plain file where session_turns must go: the analytics part fails after traces_flat, daily_user_activity and
    // version_breakdown have committed, as a run killed at that moment would leave them.
    Files.createDirectories(dir);
    Path blocker = dir.resolve(AnalyticsTables.SESSION_TURNS);
    Files.writeString(blocker, "not a table");
    List<String> input = List.of(export.toString());
    org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> io.tracelake.run.ScheduledRun.run(spark, config, input, dir.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(spark, dir.toString());
    assertTrue(warehouse.exists(AnalyticsTables.DAILY_USER_ACTIVITY), "the failure came after the daily tables");
    assertTrue(AnalyticsJob.pendingDates(warehouse).isAll(), "the failed first run left every date pending");

    Files.delete(blocker);
    io.tracelake.run.ScheduledRun.Outcome again = io.tracelake.run.ScheduledRun.run(spark, config, input,
        dir.toString(), null);
    assertEquals(0, again.ingest().inserted(), "the traces were all in after the first run");
    Dataset<Row> traces = warehouse.read(io.tracelake.warehouse.TableNames.TRACES);
    assertEquals(traces.where(col("session_id").isNotNull()).select("session_id").distinct().count(),
        warehouse.read(AnalyticsTables.SESSIONS).count(), "one sessions row per session");
    assertEquals(comparable(SessionTurns.compute(traces), List.of("trace_id")).collectAsList(),
        comparable(warehouse.read(AnalyticsTables.SESSION_TURNS), List.of("trace_id")).collectAsList());
    assertTrue(AnalyticsJob.pendingDates(warehouse).isEmpty(), "nothing pending after the completed run");
  }

  @Test
  void anIngestBetweenTwoAnalyticsRunsLeavesExactlyItsDatesPending() throws IOException {
    Path export = SharedSpark.tempDir("an-ledger-export");
    List<String> lines = Files.readAllLines(new TraceGenerator(new TraceGenerator.Spec(120, 5, 3, 6, 1, false,
        LocalDate.parse("2025-12-01"))).writeTo(export, 1).get(0));
    Path dir = SharedSpark.tempDir("an-ledger");
    Path first = export.resolve("first.jsonl");
    Files.write(first, lines);
    IngestJob.run(spark, config, new IngestJob.Options(List.of(first.toString()), dir.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(spark, dir.toString());
    AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    assertTrue(AnalyticsJob.pendingDates(warehouse).isEmpty());

    Path late = export.resolve("late.jsonl");
    Files.write(late, List.of(trace("tr-late", "2025-12-02T10:00:00Z", "s-late", 100)));
    IngestJob.run(spark, config, new IngestJob.Options(List.of(late.toString()), dir.toString(), null));
    assertEquals("2025-12-02", AnalyticsJob.pendingDates(warehouse).toString());
    // A run for another date does not settle the pending one.
    AnalyticsJob.run(spark, config, warehouse, DateSelection.of(List.of(LocalDate.parse("2025-12-01"))));
    assertEquals("2025-12-02", AnalyticsJob.pendingDates(warehouse).toString());
    AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    assertTrue(AnalyticsJob.pendingDates(warehouse).isEmpty());

    // A run that overlapped the last one but started before it (a watch's batch and a manual `analytics --all`)
    // writes nothing over the newer figures: it stops at its first table with one line, the tables untouched.
    Map<String, Long> versions = new TreeMap<>();
    AnalyticsTables.all().forEach(t -> versions.put(t, warehouse.version(t)));
    ConcurrentWrites.SupersededException stopped = assertThrows(ConcurrentWrites.SupersededException.class,
        () -> AnalyticsJob.run(spark, config, warehouse, DateSelection.all(), Instant.now().minusSeconds(600)));
    assertTrue(stopped.getMessage().contains("running the command again is safe"), stopped.getMessage());
    Map<String, Long> after = new TreeMap<>();
    AnalyticsTables.all().forEach(t -> after.put(t, warehouse.version(t)));
    assertEquals(versions, after, "no table committed anything");
    assertTrue(AnalyticsJob.pendingDates(warehouse).isEmpty());
  }

  @Test
  void aRunsStampOrdersByTheTracesVersionItReadThenByItsStart() {
    Instant early = Instant.parse("2026-12-06T10:00:00Z");
    Instant late = Instant.parse("2026-12-06T10:05:00Z");
    assertTrue(AnalyticsJob.stamp(7, early) < AnalyticsJob.stamp(7, late));
    assertTrue(AnalyticsJob.stamp(7, late) < AnalyticsJob.stamp(8, early));
  }

  /** Columns in name order, maps as sorted JSON, rows ordered by the table's key. */
  private static Dataset<Row> comparable(Dataset<Row> df, List<String> key) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      Column c = col(f.name());
      cols.add(f.dataType() instanceof MapType ? to_json(map_from_entries(array_sort(map_entries(c)))).as(f.name())
          : c);
    }
    cols.sort((a, b) -> a.toString().compareTo(b.toString()));
    return df.select(cols.toArray(new Column[0]))
        .orderBy(key.stream().map(k -> col(k).asc_nulls_first()).toArray(Column[]::new));
  }

  private static String trace(String id, String time, String session, long durationMs) {
    return "{\"info\": {\"trace_id\": \"" + id + "\", \"request_time\": \"" + time + "\", \"state\": \"OK\","
        + " \"execution_duration_ms\": " + durationMs + ", \"trace_metadata\": {\"mlflow.trace.user\": \"night-owl\","
        + " \"mlflow.trace.session\": \"" + session + "\", \"app_version\": \"1.0.0\"}}}";
  }

  private static String requestTime(String line) throws IOException {
    return JSON.readTree(line).get("info").get("request_time").asText();
  }

  private static boolean crossesMidnight(List<String> lines) throws IOException {
    Map<String, java.util.Set<String>> days = new TreeMap<>();
    for (String line : lines) {
      JsonNode info = JSON.readTree(line).get("info");
      JsonNode session = info.get("trace_metadata").get("mlflow.trace.session");
      if (session != null) {
        days.computeIfAbsent(session.asText(), k -> new java.util.HashSet<>())
            .add(info.get("request_time").asText().substring(0, 10));
      }
    }
    return days.values().stream().anyMatch(d -> d.size() > 1);
  }
}
