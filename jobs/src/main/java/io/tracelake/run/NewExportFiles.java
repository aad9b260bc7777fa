package io.tracelake.run;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.max;

import io.tracelake.ingest.ExportReader;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/**
 * The export files under watched inputs that no ingest has read since they last changed.
 *
 * <p>A file counts as read when an ingest run named it or a folder above it among its inputs ({@code ingest_runs}
 * keeps them qualified, e.g. {@code file:/data/inbox}) and started after the file was last modified: that run listed
 * the folder and read every file in it. What was read is
 * taken from the warehouse's {@code ingest_runs} table when the watch starts, so a restarted watch neither re-reads
 * old files nor misses files that arrived while it was down. A file modified within the last {@code settle} is left
 * for a later look: it may still be being written.
 */
final class NewExportFiles {

  private final Configuration conf;
  private final List<String> inputs;
  private final Duration settle;
  /** Path → the latest time an ingest that named it started. */
  private final Map<String, Instant> readAt = new HashMap<>();

  NewExportFiles(Configuration conf, List<String> inputs, Duration settle) {
    this.conf = conf;
    this.inputs = List.copyOf(inputs);
    this.settle = settle;
  }

  /** Seeds what was read from the warehouse's ingest log (nothing when it has none yet). */
  void readFrom(Warehouse warehouse) {
    if (warehouse.exists(TableNames.INGEST_RUNS)) {
      for (Row r : warehouse.read(TableNames.INGEST_RUNS)
          .select(explode(col("inputs")).as("input"), col("started_at"))
          .groupBy(col("input")).agg(max(col("started_at"))).collectAsList()) {
        readAt.put(r.getString(0), r.getAs(1));
      }
    }
  }

  /** The files to ingest now, in path order. Fails like {@code ingest} when an input path does not exist. */
  List<String> find(Instant now) {
    Instant settledBefore = now.minus(settle);
    List<String> found = new ArrayList<>();
    for (String input : inputs) {
      for (FileStatus f : ExportReader.list(conf, input)) {
        Instant modified = Instant.ofEpochMilli(f.getModificationTime());
        Instant read = lastReadAt(f.getPath());
        if ((read == null || modified.isAfter(read)) && !modified.isAfter(settledBefore)) {
          found.add(f.getPath().toString());
        }
      }
    }
    return found;
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

  /** Records that an ingest which started at {@code startedAt} read these paths. */
  void markRead(List<String> paths, Instant startedAt) {
    paths.forEach(p -> readAt.merge(p, startedAt, (a, b) -> a.isAfter(b) ? a : b));
  }
}
