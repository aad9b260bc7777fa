package io.tracelake.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.generate.TraceGenerator;
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
        "version_breakdown", "session_turns", "sessions", "user_summary", "version_summary",
        "environment_summary")) {
      var together = spark.read().format("delta").load(warehouse.resolve(table).toString());
      var single = spark.read().format("delta").load(alone.resolve(table).toString());
      assertEquals(single.count(), together.count(), table + " rows");
      assertEquals(0, CompareWarehouses.comparable(single).exceptAll(CompareWarehouses.comparable(together))
          .count(), table);
    }
  }
}
