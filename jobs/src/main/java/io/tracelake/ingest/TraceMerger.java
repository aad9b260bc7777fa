package io.tracelake.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.tracelake.schema.TraceColumns;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Merges a batch of canonical traces into the {@code traces} table so that it keeps one row per trace_id and the
 * freshest version of each (see {@link CanonicalTraces#freshness(String)}).
 *
 * <p>The batch is first classified against the table: {@code insert} (new trace id), {@code update} (fresher than
 * the stored row) or {@code unchanged} (identical, or not fresher). Only inserts and updates go into the Delta MERGE,
 * so re-ingesting the same export rewrites no file. The MERGE re-checks freshness itself, so a concurrent writer
 * cannot make it store an older version; it is one Delta transaction.
 */
public final class TraceMerger {

  public static final String ACTION = "_action";
  public static final String INSERT = "insert";
  public static final String UPDATE = "update";
  public static final String UNCHANGED = "unchanged";

  private TraceMerger() {}

  /** What a merge did. {@code touchedDates}: request dates of inserted or updated traces, sorted. */
  public record Outcome(long inserted, long updated, long unchanged, List<LocalDate> touchedDates) {}

  /**
   * Adds the {@value #ACTION} column. Input: a batch with one row per trace_id ({@code TRACES} columns) and the
   * stored table. Grain: the batch's. Output: the batch's columns plus {@value #ACTION}.
   */
  public static Dataset<Row> classifyAgainst(Dataset<Row> batch, Dataset<Row> stored) {
    Dataset<Row> existing = stored.select(
        col(TraceColumns.TRACE_ID).as("_t_trace_id"),
        CanonicalTraces.freshness("").as("_t_freshness"),
        col(TraceColumns.RECORD_HASH).as("_t_hash"));
    return batch
        .join(existing, col(TraceColumns.TRACE_ID).equalTo(col("_t_trace_id")), "left")
        .withColumn(ACTION,
            when(col("_t_trace_id").isNull(), lit(INSERT))
                .when(col(TraceColumns.RECORD_HASH).equalTo(col("_t_hash")), lit(UNCHANGED))
                .when(CanonicalTraces.freshness("").gt(col("_t_freshness")), lit(UPDATE))
                .otherwise(lit(UNCHANGED)))
        .drop("_t_trace_id", "_t_freshness", "_t_hash");
  }

  public static Outcome merge(DeltaTable table, Dataset<Row> batch) {
    Dataset<Row> classified = classifyAgainst(batch, table.toDF()).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long inserted = 0;
      long updated = 0;
      long unchanged = 0;
      for (Row r : classified.groupBy(ACTION).count().collectAsList()) {
        switch (r.getString(0)) {
          case INSERT -> inserted = r.getLong(1);
          case UPDATE -> updated = r.getLong(1);
          default -> unchanged = r.getLong(1);
        }
      }
      Dataset<Row> changes = classified.where(col(ACTION).isin(INSERT, UPDATE)).drop(ACTION);
      List<LocalDate> touched = new ArrayList<>();
      if (inserted + updated > 0) {
        for (Row r : changes.select(TraceColumns.REQUEST_DATE).distinct().orderBy(TraceColumns.REQUEST_DATE)
            .collectAsList()) {
          touched.add(r.getLocalDate(0));
        }
        table.as("t")
            .merge(changes.as("s"), col("t." + TraceColumns.TRACE_ID).equalTo(col("s." + TraceColumns.TRACE_ID)))
            .whenMatched(CanonicalTraces.freshness("s.").gt(CanonicalTraces.freshness("t.")))
            .updateAll()
            .whenNotMatched()
            .insertAll()
            .execute();
      }
      return new Outcome(inserted, updated, unchanged, touched);
    } finally {
      classified.unpersist();
    }
  }
}
