package io.tracelake.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.generate.TraceGenerator;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.run.ScheduledRun;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Two scheduled runs started together on one new warehouse, each in its own Spark session (as two processes, or two
 * notebooks on one cluster, would be): both finish, and every table is as one run alone leaves it. Delta's
 * optimistic concurrency makes the loser of each race retry its write (ConcurrentWrites).
 */
class ConcurrentWritersTest {

  @Test
  void twoRunsStartedTogetherOnANewWarehouseBothSucceedAndDuplicateNothing() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path export = SharedSpark.tempDir("concurrent-export");
    new TraceGenerator(new TraceGenerator.Spec(400, 8, 3, 12, 1, false, LocalDate.parse("2025-12-01")))
        .writeTo(export, 2);
    Path warehouse = SharedSpark.tempDir("concurrent-wh");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<ScheduledRun.Outcome>> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        SparkSession session = spark.newSession();
        runs.add(pool.submit(() -> ScheduledRun.run(session, ConfigLoader.defaults(), List.of(export.toString()),
            warehouse.toString(), null)));
      }
      for (Future<ScheduledRun.Outcome> run : runs) {
        run.get();  // throws if either run failed
      }
    } finally {
      pool.shutdownNow();
    }
    Path alone = SharedSpark.tempDir("concurrent-alone");
    ScheduledRun.run(spark, ConfigLoader.defaults(), List.of(export.toString()), alone.toString(), null);
    for (String table : List.of("traces", "traces_quarantine", "traces_flat", "daily_user_activity",
        "version_breakdown", "feedback_daily", "session_turns", "sessions",
        "session_paths", "turn_dropoff", "user_summary", "version_summary",
        "environment_summary", "active_users", "user_retention")) {
      var together = spark.read().format("delta").load(warehouse.resolve(table).toString());
      var single = spark.read().format("delta").load(alone.resolve(table).toString());
      assertEquals(single.count(), together.count(), table + " rows");
      assertEquals(0, CompareWarehouses.comparable(single).exceptAll(CompareWarehouses.comparable(together))
          .count(), table);
    }
  }

  /**
   * Two ingests of different exports over the same dates, started together on one new warehouse: every trace and
   * span of both is kept (neither writer's fast path onto "empty" dates may replace what the other committed).
   */
  @Test
  void twoIngestsOfDifferentFilesOverTheSameDatesKeepEveryRowOfBoth() throws Exception {
    SparkSession spark = SharedSpark.session();
    List<Path> exports = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Path export = SharedSpark.tempDir("concurrent-different-" + i);
      new TraceGenerator(new TraceGenerator.Spec(300, 100 + i, 3, 12, 1, false, LocalDate.parse("2025-12-01")))
          .writeTo(export, 1);
      exports.add(export);
    }
    Path warehouse = SharedSpark.tempDir("concurrent-different-wh");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<IngestSummary>> runs = new ArrayList<>();
      for (Path export : exports) {
        SparkSession session = spark.newSession();
        runs.add(pool.submit(() -> IngestJob.run(session, ConfigLoader.defaults(),
            new IngestJob.Options(List.of(export.toString()), warehouse.toString(), null))));
      }
      for (Future<IngestSummary> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Path alone = SharedSpark.tempDir("concurrent-different-alone");
    IngestJob.run(spark, ConfigLoader.defaults(), new IngestJob.Options(
        exports.stream().map(Path::toString).toList(), alone.toString(), null));
    for (String table : List.of("traces", "spans")) {
      var together = spark.read().format("delta").load(warehouse.resolve(table).toString());
      var single = spark.read().format("delta").load(alone.resolve(table).toString());
      assertEquals(single.count(), together.count(), table + " rows");
      assertEquals(0, CompareWarehouses.comparable(single).drop("source_file")
          .exceptAll(CompareWarehouses.comparable(together).drop("source_file")).count(), table);
    }
  }
}
