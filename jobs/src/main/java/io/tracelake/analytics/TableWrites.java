package io.tracelake.analytics;

import io.tracelake.Progress;
import io.tracelake.schema.TableSpec;
import io.tracelake.warehouse.Warehouse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The analytics job's three ways of writing a table, each one Delta transaction on the run's stamped warehouse:
 * the selected dates of a date-partitioned table replaced ({@link #replaceDates}), the rows of some keys made exactly
 * the computed ones ({@link #replaceKeys}: upserted, and deleted where nothing was computed), and a small table
 * overwritten whole ({@link #overwrite}). Each write's row count, from its commit, is logged and kept in order.
 */
final class TableWrites {

  private final Warehouse warehouse;
  private final Progress progress;
  private final Map<String, Long> rowsWritten = new LinkedHashMap<>();

  TableWrites(Warehouse warehouse, Progress progress) {
    this.warehouse = warehouse;
    this.progress = progress;
  }

  /** Table name → rows written (inserted, updated, deleted or replaced), in the order written. */
  Map<String, Long> rowsWritten() {
    return rowsWritten;
  }

  /** Replaces the rows of {@code dates} (a predicate on {@code dateColumn}, the table's partition column). */
  void replaceDates(TableSpec spec, Dataset<Row> computed, String dateColumn, DateSelection dates) {
    record(spec, warehouse.replaceWhere(spec, computed, dates.sql(dateColumn)));
  }

  /**
   * Makes the rows of the keys in {@code scope} exactly {@code computed}'s: upserted by key (null-safe), and deleted
   * where {@code computed} has none; {@code targetFilter} limits the partitions the MERGE reads and rewrites.
   */
  void replaceKeys(TableSpec spec, Dataset<Row> computed, List<String> keys, Column targetFilter,
      Dataset<Row> scope) {
    record(spec, warehouse.replaceKeys(spec, computed, keys, targetFilter, scope));
  }

  /** Replaces the whole table (a table recomputed in full: one row per session, user or release at most). */
  void overwrite(TableSpec spec, Dataset<Row> computed) {
    record(spec, warehouse.overwrite(spec, computed));
  }

  private void record(TableSpec spec, long rows) {
    rowsWritten.put(spec.name(), rows);
    progress.stage("%s: %,d rows written", spec.name(), rows);
  }
}
