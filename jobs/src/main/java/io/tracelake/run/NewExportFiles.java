package io.tracelake.run;

import io.tracelake.ingest.files.ExportReader;
import io.tracelake.ingest.store.IngestedFiles;
import io.tracelake.warehouse.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;

/**
 * The export files under watched inputs that no ingest has read since they last changed ({@link IngestedFiles}).
 * What was read is taken from the warehouse's {@code ingest_runs} table when the watch starts, so a restarted watch
 * neither re-reads old files nor misses files that arrived while it was down. A file modified within the last
 * {@code settle} is left for a later look: it may still be being written.
 */
final class NewExportFiles {

  private final Configuration conf;
  private final List<String> inputs;
  private final Duration settle;
  private IngestedFiles ingested = IngestedFiles.none();

  NewExportFiles(Configuration conf, List<String> inputs, Duration settle) {
    this.conf = conf;
    this.inputs = List.copyOf(inputs);
    this.settle = settle;
  }

  /** Seeds what was read from the warehouse's ingest log (nothing when it has none yet). */
  void readFrom(Warehouse warehouse) {
    ingested = IngestedFiles.from(warehouse);
  }

  /** The files to ingest now, in path order. Fails like {@code ingest} when an input path does not exist. */
  List<String> find(Instant now) {
    Instant settledBefore = now.minus(settle);
    List<String> found = new ArrayList<>();
    for (String input : inputs) {
      for (FileStatus f : ExportReader.list(conf, input)) {
        if (!ingested.readSinceLastChange(f)
            && !Instant.ofEpochMilli(f.getModificationTime()).isAfter(settledBefore)) {
          found.add(f.getPath().toString());
        }
      }
    }
    return found;
  }

  /** Records that an ingest which started at {@code startedAt} read these paths. */
  void markRead(List<String> paths, Instant startedAt) {
    ingested.markRead(paths, startedAt);
  }
}
