package io.tracelake.run;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** {@code watch}: which files a batch takes, across restarts, and the catch-up of ingests left without analytics. */
class InputWatchTest {

  private static final TracelakeConfig CONFIG = ConfigLoader.defaults();

  private static Path copyFixture(String name, Path dir) throws IOException {
    return Files.copy(SharedSpark.fixture(name), dir.resolve(name));
  }

  private static String uri(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  /** Runs a watch for one batch; returns what it printed. */
  private static String watchOneBatch(Path inbox, Path warehouse) throws InterruptedException {
    return watchOneBatch(inbox, warehouse, 0);
  }

  /** Runs a watch for one batch, maintaining after every {@code maintainEvery}-th; returns what it printed. */
  private static String watchOneBatch(Path inbox, Path warehouse, int maintainEvery) throws InterruptedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertEquals(1, InputWatch.run(SharedSpark.session(), CONFIG, new InputWatch.Options(
          List.of(inbox.toString()), warehouse.toString(), null, Duration.ofMillis(50), Duration.ZERO, 1,
          maintainEvery)));
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Dataset<Row> table(Path warehouse, String name) {
    return SharedSpark.session().read().format("delta").load(warehouse.resolve(name).toString());
  }

  private static Row latestRun(Path warehouse) {
    return table(warehouse, "ingest_runs").orderBy(col("started_at").desc()).first();
  }

  @Test
  void restartedWatchTakesOnlyNewOrRewrittenFilesAndCatchesUpTheAnalytics() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path inbox = SharedSpark.tempDir("inbox");
    Path warehouse = SharedSpark.tempDir("wh-watch");
    copyFixture("mlflow3.jsonl", inbox);
    Path mlflow2 = copyFixture("mlflow2.jsonl", inbox);
    // An ingest of the folder, by its plain path, with no analytics after it (a run stopped half way).
    IngestJob.run(spark, CONFIG, new IngestJob.Options(List.of(inbox.toString()), warehouse.toString(), null));
    long before = table(warehouse, "traces").count();

    Path rest = copyFixture("rest_proto.json", inbox);
    Files.writeString(inbox.resolve(".half-copied.jsonl"), "{\"info\": {\"trace_id\": ");  // hidden: skipped
    String printed = watchOneBatch(inbox, warehouse);

    assertTrue(printed.contains("Batch 1 finished in"), printed);
    assertEquals(List.of(uri(rest)), latestRun(warehouse).getList(latestRun(warehouse).fieldIndex("inputs")),
        "the batch takes the new file only; the folder's ingest covered the other two");
    long traces = table(warehouse, "traces").count();
    assertTrue(traces > before, "the new file's traces are in");
    assertEquals(traces, table(warehouse, "daily_user_activity").agg(sum(col("interactions"))).first().getLong(0),
        "the catch-up computed the first ingest's dates, the batch its own");

    // A file written again after it was read is taken again (unchanged traces: nothing rewritten); with
    // --maintain-every 1 the watch compacts the warehouse after the batch, contents unchanged.
    Files.setLastModifiedTime(mlflow2, FileTime.from(Instant.now()));
    String maintained = watchOneBatch(inbox, warehouse, 1);
    assertTrue(maintained.matches("(?s).*Maintenance after batch 1 in [0-9.]+ s: data files stored [0-9,]+ -> "
        + "[0-9,]+, files in use [0-9,]+ -> [0-9,]+.*"), maintained);
    Row run = latestRun(warehouse);
    assertEquals(List.of(uri(mlflow2)), run.getList(run.fieldIndex("inputs")));
    assertEquals(0L, run.<Long>getAs("traces_inserted"));
    assertEquals(traces, table(warehouse, "traces").count());
    assertEquals(traces, table(warehouse, "daily_user_activity").agg(sum(col("interactions"))).first().getLong(0));
  }

  @Test
  void fileStillBeingWrittenWaitsForTheSettleTime() throws IOException {
    Path inbox = SharedSpark.tempDir("inbox-settle");
    Path file = copyFixture("mlflow2.jsonl", inbox);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    NewExportFiles waiting = new NewExportFiles(SharedSpark.session().sparkContext().hadoopConfiguration(),
        List.of(inbox.toString()), Duration.ofMinutes(10));
    assertEquals(List.of(), waiting.find(Instant.now()));
    assertEquals(List.of(uri(file)), waiting.find(Instant.now().plus(Duration.ofMinutes(11))));

    NewExportFiles settled = new NewExportFiles(SharedSpark.session().sparkContext().hadoopConfiguration(),
        List.of(inbox.toString()), Duration.ZERO);
    Instant now = Instant.now();
    assertEquals(List.of(uri(file)), settled.find(now));
    settled.markRead(List.of(uri(file)), now);
    assertEquals(List.of(), settled.find(now));
  }
}
