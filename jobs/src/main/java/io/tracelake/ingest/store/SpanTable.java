package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.IngestTables;
import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import io.tracelake.schema.TraceSchemas;
import io.tracelake.warehouse.ConcurrentWrites;
import io.tracelake.warehouse.EmptyDatesAppend;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Writes the {@code spans} table after {@code traces}: the spans of exactly the version of each trace that
 * {@code traces} now holds, one transaction.
 *
 * <p>A span row carries its trace's {@code record_hash}, so the table knows which version its spans are of. For the
 * batch's traces, the version {@code traces} holds (same trace id and record hash) is the one whose spans belong in
 * the table: they are inserted unless the table already has that version, and the spans of any other version of the
 * same trace are deleted in the same MERGE. On dates the table has no spans for yet (a new warehouse, the next day's
 * export) the spans are written in one pass as an append that checks those dates are empty in the same transaction,
 * as {@link TraceMerger} does for traces. Re-ingesting an unchanged export writes nothing.
 */
public final class SpanTable {

  private static final String OP = "_op";
  private static final String INSERT = "insert";
  private static final String DELETE = "delete";
  private static final String MATERIALIZE_SOURCE = "spark.databricks.delta.merge.materializeSource";

  /** The {@code spans} table as its first write creates it. */

  private SpanTable() {}

  /** The {@code spans} table, created empty if it does not exist. */
  public static DeltaTable table(Warehouse warehouse) {
    return warehouse.createIfNotExists(IngestTables.SPANS);
  }

  /** What the write did. */
  public record Outcome(long inserted, long deleted) {}

  /**
   * @param parsed the batch parsed with spans ({@code ExportReader.parse} with {@code captureSpans})
   * @param batchDates the request dates of the batch's traces
   * @param hasDuplicates whether some trace id occurs more than once in the batch
   * @param batchIsWhatTracesHolds the batch, without duplicates, was appended whole onto dates {@code traces} had no
   *     rows for: its spans are written as they are, without comparing versions with {@code traces}
   * @param everyTraceNew every trace id of the batch was new to {@code traces} (none updated or unchanged), so no
   *     stored span can be of another version of a batch trace: the spans only need inserting
   */
  public static Outcome write(Warehouse warehouse, Dataset<Row> parsed, TracelakeConfig config,
      Set<LocalDate> batchDates, boolean hasDuplicates, boolean batchIsWhatTracesHolds, boolean everyTraceNew) {
    // An existing table first gets any column or property declared since it was written; a new one is created by
    // its first write (the append onto empty dates), or empty when there is nothing to append.
    if (batchDates.isEmpty() || !batchIsWhatTracesHolds || warehouse.exists(TableNames.SPANS)) {
      table(warehouse);
    }
    if (batchDates.isEmpty()) {
      return new Outcome(0, 0);
    }
    Object[] dates = batchDates.toArray();
    if (batchIsWhatTracesHolds) {
      // No stored trace shares an id with the batch (its dates were empty in traces, so they are empty here too).
      Dataset<Row> all = CanonicalTraces.withRecordHash(parsed.where(col("trace").isNotNull()).select("trace.*"),
              config)
          .select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE), col(TraceColumns.RECORD_HASH),
              explode(col(SpanColumns.SPANS)).as("_span"))
          .select(spanColumns(col("_span")));
      java.util.Optional<Outcome> appended = appendOntoEmptyDates(warehouse, all, batchDates);
      if (appended.isPresent()) {
        return appended.get();
      }
    }
    Dataset<Row> current = warehouse.read(TableNames.TRACES).where(col(TraceColumns.REQUEST_DATE).isin(dates))
        .select(col(TraceColumns.TRACE_ID).as("_t_id"), col(TraceColumns.RECORD_HASH).as("_t_hash"));
    // Every batch trace with the version traces holds, one row per span (a trace without spans: one null span).
    Dataset<Row> held = CanonicalTraces.withRecordHash(parsed.where(col("trace").isNotNull()).select("trace.*"),
            config)
        .select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE), col(TraceColumns.RECORD_HASH),
            explode_outer(col(SpanColumns.SPANS)).as("_span"))
        .join(current, col(TraceColumns.TRACE_ID).equalTo(col("_t_id"))
            .and(col(TraceColumns.RECORD_HASH).equalTo(col("_t_hash"))), "left_semi");
    Dataset<Row> newSpans = held.where(col("_span").isNotNull()).select(spanColumns(col("_span")));
    if (hasDuplicates) {
      // Identical copies of one version carry identical spans: keep one of each.
      newSpans = newSpans.dropDuplicates(TraceColumns.TRACE_ID, SpanColumns.SPAN_INDEX);
    }
    java.util.Optional<Outcome> appended = appendOntoEmptyDates(warehouse, newSpans, batchDates);
    if (appended.isPresent()) {
      return appended.get();
    }
    if (everyTraceNew) {
      return new Outcome(insertOnly(warehouse.spark(), table(warehouse), newSpans, dates), 0);
    }
    return merge(table(warehouse), held, newSpans, dates);
  }

  /**
   * The spans of traces new to the table, in an insert-only MERGE: Delta's fast path, an anti-join with the dates'
   * stored spans that rewrites no file; like any MERGE it re-checks at commit, so a concurrent writer of the same
   * spans cannot make them appear twice. Nothing else is read: no stored span can be of another version of a new
   * trace. The source is read once, so Delta need not copy it first.
   *
   * @return the spans inserted
   */
  private static long insertOnly(SparkSession spark, DeltaTable spans, Dataset<Row> newSpans, Object[] dates) {
    Map<String, Column> values = new LinkedHashMap<>();
    for (String name : TraceSchemas.SPANS.fieldNames()) {
      values.put(name, col("s." + name));
    }
    String materialize = spark.conf().get(MATERIALIZE_SOURCE, "auto");
    spark.conf().set(MATERIALIZE_SOURCE, "none");
    try {
      Row metrics = ConcurrentWrites.retrying(TableNames.SPANS, () -> spans.as("t").merge(newSpans.as("s"),
              sameSpan(dates))
          .whenNotMatched().insert(values)
          .execute().first());
      return metrics.getLong(metrics.fieldIndex("num_inserted_rows"));
    } finally {
      spark.conf().set(MATERIALIZE_SOURCE, materialize);
    }
  }

  /** A stored span that is the source's: the same date (one of the batch's), trace, version and index. */
  private static Column sameSpan(Object[] dates) {
    return col("t." + TraceColumns.REQUEST_DATE).isin(dates)
        .and(col("t." + TraceColumns.REQUEST_DATE).equalTo(col("s." + TraceColumns.REQUEST_DATE)))
        .and(col("t." + TraceColumns.TRACE_ID).equalTo(col("s." + TraceColumns.TRACE_ID)))
        .and(col("t." + TraceColumns.RECORD_HASH).equalTo(col("s." + TraceColumns.RECORD_HASH)))
        .and(col("t." + SpanColumns.SPAN_INDEX).equalTo(col("s." + SpanColumns.SPAN_INDEX)));
  }

  /**
   * The spans written in one pass onto the batch's dates, in one transaction that checks they are empty
   * ({@link EmptyDatesAppend}); empty when they are not, or a concurrent writer committed to them first (the caller
   * then merges).
   */
  private static java.util.Optional<Outcome> appendOntoEmptyDates(Warehouse warehouse, Dataset<Row> spans,
      Set<LocalDate> batchDates) {
    String table = warehouse.path(TableNames.SPANS);
    return ConcurrentWrites.unlessAnotherWriterWins(TableNames.SPANS, () -> EmptyDatesAppend.write(
            warehouse.spark(), table, spans, TraceColumns.REQUEST_DATE, batchDates, IngestTables.SPANS))
        .flatMap(written -> written).map(rows -> new Outcome(rows, 0));
  }

  /**
   * One MERGE: insert the held versions' spans the table lacks, delete the spans of other versions of those traces.
   * A trace's spans are on its request date, so only the batch's dates are read and rewritten.
   */
  private static Outcome merge(DeltaTable spans, Dataset<Row> held, Dataset<Row> newSpans, Object[] dates) {
    Dataset<Row> stored = spans.toDF().where(col(TraceColumns.REQUEST_DATE).isin(dates));
    Dataset<Row> storedVersions = stored.select(col(TraceColumns.TRACE_ID).as("_s_id"),
        col(TraceColumns.RECORD_HASH).as("_s_hash")).distinct();
    Dataset<Row> inserts = newSpans.join(storedVersions, col(TraceColumns.TRACE_ID).equalTo(col("_s_id"))
        .and(col(TraceColumns.RECORD_HASH).equalTo(col("_s_hash"))), "left_anti");
    Dataset<Row> heldVersions = held.select(col(TraceColumns.TRACE_ID).as("_h_id"),
        col(TraceColumns.RECORD_HASH).as("_h_hash")).distinct();
    Dataset<Row> stale = stored.join(heldVersions, col(TraceColumns.TRACE_ID).equalTo(col("_h_id"))
            .and(col(TraceColumns.RECORD_HASH).notEqual(col("_h_hash"))), "left_semi");
    Dataset<Row> source = inserts.withColumn(OP, lit(INSERT))
        .unionByName(stale.withColumn(OP, lit(DELETE)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long inserted = source.where(col(OP).equalTo(INSERT)).count();
      long deleted = source.where(col(OP).equalTo(DELETE)).count();
      if (inserted + deleted == 0) {
        return new Outcome(0, 0);
      }
      Column sameSpan = sameSpan(dates);
      Map<String, Column> values = new LinkedHashMap<>();
      for (String name : TraceSchemas.SPANS.fieldNames()) {
        values.put(name, col("s." + name));
      }
      ConcurrentWrites.retrying(TableNames.SPANS, () -> spans.as("t").merge(source.as("s"), sameSpan)
          .whenMatched(col("s." + OP).equalTo(DELETE)).delete()
          .whenNotMatched(col("s." + OP).equalTo(INSERT)).insert(values)
          .execute());
      return new Outcome(inserted, deleted);
    } finally {
      source.unpersist();
    }
  }

  /** The {@code spans} table's columns, from the trace columns and the exploded span struct. */
  private static Column[] spanColumns(Column span) {
    List<Column> out = new ArrayList<>();
    out.add(col(TraceColumns.TRACE_ID));
    out.add(col(TraceColumns.REQUEST_DATE));
    for (String name : TraceSchemas.SPAN.fieldNames()) {
      out.add(span.getField(name).as(name));
    }
    out.add(col(TraceColumns.RECORD_HASH));
    return out.toArray(new Column[0]);
  }
}
