package io.tracelake.maintain;

import io.delta.tables.DeltaTable;
import io.tracelake.Progress;
import io.tracelake.analytics.WarehouseTables;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Upkeep of every Delta table of a warehouse: {@code OPTIMIZE} compacts each partition's small files into few large
 * ones (every ingest, analytics run and watch batch adds files; a table of 30 one-file batches becomes one file per
 * partition), then {@code VACUUM} deletes the data files no version inside the retention still references. Contents
 * do not change: compaction is a Delta commit that replaces files with the same rows.
 *
 * <p>Input: a warehouse and a retention in hours. Grain: one result per table that exists. Output: the files of the
 * table's current version and the data files on storage, before and after.
 */
public final class WarehouseMaintenance {

  /** Delta's own default retention, 7 days: readers and time travel within a week stay safe. */
  public static final double DEFAULT_RETENTION_HOURS = 168;
  private static final String RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled";
  /** VACUUM lists a table's folder in this many tasks: Spark's 10,000 cost 30 s per small table on 2 cores. */
  private static final String LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism";

  /** One table's files before and after. */
  public record TableUpkeep(String table, long activeFilesBefore, long activeFilesAfter, long storedFilesBefore,
      long storedFilesAfter, long storedBytesBefore, long storedBytesAfter) {}

  private WarehouseMaintenance() {}

  public static List<TableUpkeep> run(Warehouse warehouse, double retentionHours) {
    SparkSession spark = warehouse.spark();
    Progress progress = new Progress("maintain");
    List<TableUpkeep> results = new ArrayList<>();
    String retentionCheck = spark.conf().get(RETENTION_CHECK, "true");
    String listingParallelism = spark.conf().get(LISTING_PARALLELISM, "10000");
    // Delta refuses a retention under its default unless told that the caller chose it; the user did, by option.
    spark.conf().set(RETENTION_CHECK, String.valueOf(retentionHours >= DEFAULT_RETENTION_HOURS));
    spark.conf().set(LISTING_PARALLELISM, String.valueOf(Math.max(2, spark.sparkContext().defaultParallelism())));
    try {
      for (String table : WarehouseTables.all()) {
        if (warehouse.exists(table)) {
          results.add(maintain(spark, warehouse.path(table), table, retentionHours, progress));
        }
      }
    } finally {
      spark.conf().set(RETENTION_CHECK, retentionCheck);
      spark.conf().set(LISTING_PARALLELISM, listingParallelism);
    }
    return results;
  }

  private static TableUpkeep maintain(SparkSession spark, String path, String table, double retentionHours,
      Progress progress) {
    DeltaTable delta = DeltaTable.forPath(spark, path);
    long activeBefore = activeFiles(delta);
    long[] storedBefore = storedDataFiles(spark, path);
    progress.stage("%s: compacting %,d file(s)", table, activeBefore);
    delta.optimize().executeCompaction();
    progress.stage("%s: vacuuming", table);
    delta.vacuum(retentionHours);
    long[] storedAfter = storedDataFiles(spark, path);
    return new TableUpkeep(table, activeBefore, activeFiles(delta), storedBefore[0], storedAfter[0], storedBefore[1],
        storedAfter[1]);
  }

  private static long activeFiles(DeltaTable delta) {
    Row detail = delta.detail().select("numFiles").first();
    return detail.isNullAt(0) ? 0 : detail.getLong(0);
  }

  /** Parquet files under the table's folder (its partitions), outside {@code _delta_log}: count and bytes. */
  private static long[] storedDataFiles(SparkSession spark, String path) {
    Path root = new Path(path);
    long[] countAndBytes = new long[2];
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
      while (files.hasNext()) {
        LocatedFileStatus f = files.next();
        String relative = root.toUri().relativize(f.getPath().toUri()).getPath();
        if (f.getPath().getName().endsWith(".parquet") && !relative.startsWith("_delta_log")) {
          countAndBytes[0]++;
          countAndBytes[1] += f.getLen();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + path, e);
    }
    return countAndBytes;
  }
}
