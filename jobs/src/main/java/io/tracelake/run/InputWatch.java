package io.tracelake.run;

import io.tracelake.Progress;
import io.tracelake.UserInputException;
import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.analytics.DateSelection;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.files.FileShape;
import io.tracelake.maintain.WarehouseMaintenance;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The scheduled job as one long-lived Spark application: watches input folders and runs {@link ScheduledRun} on each
 * batch of new or changed export files, in the same JVM and SparkSession.
 *
 * <p>Why: a fresh JVM spends about half of a one-day analytics run compiling Spark's, Delta's and Tracelake's code
 * paths and generating each plan's code (docs/benchmarks.md). A watch pays that once; each later batch runs compiled
 * code and cached generated classes.
 *
 * <p>Safe to stop at any moment: every table write is one Delta transaction, and on start the watch first recomputes
 * the dates of ingests that finished without their analytics (the default selection of {@code tracelake analytics}),
 * then takes the files no ingest has read ({@link NewExportFiles}).
 */
public final class InputWatch {

  /**
   * What to watch. {@code formatOverride} null means detect each file's shape; {@code maxBatches} 0 means watch until
   * stopped; {@code maintainEvery} N compacts and vacuums the warehouse after every N-th batch (0: never).
   */
  public record Options(List<String> inputs, String warehouse, FileShape formatOverride, Duration every,
      Duration settle, int maxBatches, int maintainEvery) {

    /** A watch's default: maintenance after every 50th batch (hourly at one batch a minute). */
    public static final int DEFAULT_MAINTAIN_EVERY = 50;

    public Options {
      if (every.isNegative() || every.isZero()) {
        throw new UserInputException("--every must be more than 0 seconds, got " + every.toMillis() / 1e3);
      }
      if (settle.isNegative()) {
        throw new UserInputException("--settle must be 0 seconds or more, got " + settle.toMillis() / 1e3);
      }
      if (maxBatches < 0) {
        throw new UserInputException("--batches must be 0 (no limit) or more, got " + maxBatches);
      }
      if (maintainEvery < 0) {
        throw new UserInputException("--maintain-every must be 0 (never) or more batches, got " + maintainEvery);
      }
    }
  }

  private InputWatch() {}

  /** Runs until {@code maxBatches} batches are done (forever when 0); returns the number of batches. */
  public static int run(SparkSession spark, TracelakeConfig config, Options options) throws InterruptedException {
    Progress progress = new Progress("watch");
    NewExportFiles files = new NewExportFiles(spark.sparkContext().hadoopConfiguration(), options.inputs(),
        options.settle());
    files.find(Instant.now());  // fails on an input path that does not exist, before the warehouse is created
    Warehouse warehouse = Warehouse.openForWrite(spark, options.warehouse());
    files.readFrom(warehouse);
    catchUp(spark, config, warehouse, progress);
    progress.stage("watching %s every %.0f s (files are taken once unchanged for %.0f s)", options.inputs(),
        options.every().toMillis() / 1e3, options.settle().toMillis() / 1e3);
    int batches = 0;
    while (options.maxBatches() == 0 || batches < options.maxBatches()) {
      Instant listedAt = Instant.now();
      List<String> batch = files.find(listedAt);
      if (batch.isEmpty()) {
        Thread.sleep(options.every().toMillis());
        continue;
      }
      batches++;
      progress.stage("batch %d: %,d new or changed file(s)", batches, batch.size());
      long start = System.nanoTime();
      ScheduledRun.Outcome outcome = ScheduledRun.run(spark, config, batch, options.warehouse(),
          options.formatOverride());
      files.markRead(batch, listedAt);
      System.out.print(outcome.render());
      System.out.printf("Batch %d finished in %.1f s (ingest %.1f s, analytics %.1f s)%n%n", batches,
          (System.nanoTime() - start) / 1e9, outcome.ingest().seconds(), outcome.analytics().seconds());
      if (options.maintainEvery() > 0 && batches % options.maintainEvery() == 0) {
        maintain(warehouse, batches, progress);
      }
      System.out.flush();
    }
    return batches;
  }

  /**
   * Compacts and vacuums every table (Delta's 7-day retention), so that a watch that runs for days keeps its file
   * counts bounded without a second schedule; between batches, so no write of the watch's own overlaps it.
   */
  private static void maintain(Warehouse warehouse, int batches, Progress progress) {
    progress.stage("maintenance after batch %d", batches);
    long start = System.nanoTime();
    List<WarehouseMaintenance.TableUpkeep> tables =
        WarehouseMaintenance.run(warehouse, WarehouseMaintenance.DEFAULT_RETENTION_HOURS);
    System.out.printf("Maintenance after batch %d in %.1f s: data files stored %,d -> %,d, files in use %,d -> %,d"
            + "%n%n", batches, (System.nanoTime() - start) / 1e9,
        tables.stream().mapToLong(WarehouseMaintenance.TableUpkeep::storedFilesBefore).sum(),
        tables.stream().mapToLong(WarehouseMaintenance.TableUpkeep::storedFilesAfter).sum(),
        tables.stream().mapToLong(WarehouseMaintenance.TableUpkeep::activeFilesBefore).sum(),
        tables.stream().mapToLong(WarehouseMaintenance.TableUpkeep::activeFilesAfter).sum());
  }

  /** Recomputes the dates of ingests whose analytics did not run (a watch or run stopped between the two). */
  private static void catchUp(SparkSession spark, TracelakeConfig config, Warehouse warehouse, Progress progress) {
    if (!warehouse.exists(TableNames.TRACES)) {
      return;
    }
    DateSelection pending = AnalyticsJob.pendingDates(warehouse);
    if (!pending.isEmpty()) {
      progress.stage("ingested dates without analytics: %s; recomputing them first", pending);
      System.out.print(AnalyticsJob.run(spark, config, warehouse, pending).render());
    }
  }
}
