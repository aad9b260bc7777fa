package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.max;

import io.tracelake.schema.RunSchemas;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Which export files an ingest has already read, from the warehouse's {@code ingest_runs}: a file counts as read
 * when a finished run named it, or a folder above it, among its inputs (kept qualified, e.g.
 * {@code file:/data/inbox}) and started after the file was last modified. A run that was killed wrote no row, so its
 * files count as unread. Used by {@code ingest} and {@code run} to skip unchanged files, and by {@code watch} to find
 * new ones. Likewise the Delta tables read incrementally: the latest version a finished run read through.
 */
public final class IngestedFiles {

  /** Path → the latest start of a finished ingest that named it. */
  private final Map<String, Instant> readAt = new HashMap<>();
  /** Table → the latest version a finished ingest read through. */
  private final Map<String, Long> versions = new HashMap<>();

  private IngestedFiles() {}

  /** Nothing read yet (a new warehouse, or {@code --reread}). */
  public static IngestedFiles none() {
    return new IngestedFiles();
  }

  public static IngestedFiles from(Warehouse warehouse) {
    IngestedFiles files = new IngestedFiles();
    if (warehouse.exists(TableNames.INGEST_RUNS)) {
      for (Row r : warehouse.read(TableNames.INGEST_RUNS)
          .select(explode(col("inputs")).as("input"), col("started_at"))
          .groupBy(col("input")).agg(max(col("started_at"))).collectAsList()) {
        files.readAt.put(r.getString(0), r.getAs(1));
      }
      Dataset<Row> runs = warehouse.read(TableNames.INGEST_RUNS);
      if (Arrays.asList(runs.columns()).contains(RunSchemas.INPUT_VERSIONS)) {  // a warehouse from before the column
        for (Row r : runs.select(explode(col(RunSchemas.INPUT_VERSIONS)).as(new String[] {"table", "version"}))
            .groupBy(col("table")).agg(max(col("version"))).collectAsList()) {
          files.versions.put(r.getString(0), r.getLong(1));
        }
      }
    }
    return files;
  }

  /** The latest version of this Delta table that a finished ingest read through; null when none read it. */
  public Long versionRead(String table) {
    return versions.get(table);
  }

  /** Whether a finished ingest read this file after its last change. */
  public boolean readSinceLastChange(FileStatus file) {
    Instant read = lastReadAt(file.getPath());
    return read != null && !Instant.ofEpochMilli(file.getModificationTime()).isAfter(read);
  }

  /** Records that an ingest which started at {@code startedAt} read these paths. */
  public void markRead(List<String> paths, Instant startedAt) {
    paths.forEach(p -> readAt.merge(p, startedAt, (a, b) -> a.isAfter(b) ? a : b));
  }

  /** The latest start of an ingest that named this path or a folder above it; null when none did. */
  private Instant lastReadAt(Path file) {
    Instant latest = null;
    for (Path p = file; p != null; p = p.getParent()) {
      Instant read = readAt.get(p.toString());
      if (read != null && (latest == null || read.isAfter(latest))) {
        latest = read;
      }
    }
    return latest;
  }
}
