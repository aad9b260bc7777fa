package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.tracelake.schema.IngestTables;
import io.tracelake.schema.TraceColumns;
import io.tracelake.warehouse.ConcurrentWrites;
import io.tracelake.warehouse.EmptyDatesAppend;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.TraceCommits;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Merges a batch of canonical traces into the {@code traces} table so that it keeps one row per trace_id and the
 * freshest version of each (see {@link CanonicalTraces#freshness(String)}).
 *
 * <p>A batch on dates the table has no rows for is written in one pass without a MERGE. Otherwise the batch's keys are
 * first classified against the table: {@code insert} (new trace id), {@code update} (fresher than the stored row) or
 * {@code unchanged} (identical, or not fresher; on a re-read, an equally fresh version replaces the stored one too, so
 * that after {@code --reread} every trace carries the identity mapping in force). New traces go in with an
 * insert-only Delta MERGE (Delta's anti-join fast path: no stored file is rewritten); fresher versions with a
 * matched-only MERGE whose condition is freshness, which rewrites only the files that hold them. Both MERGEs re-check
 * their condition against the table at commit, so a concurrent writer can neither make a trace appear twice nor make
 * an older version win. Re-ingesting an unchanged export writes nothing.
 */
public final class TraceMerger {

  private static final String ACTION = "_action";
  private static final String INSERT = "insert";
  private static final String UPDATE = "update";
  private static final String UNCHANGED = "unchanged";
  /** Internal: the hash differs, freshness decides. */
  private static final String CHANGED = "changed";
  private static final String MATERIALIZE_SOURCE = "spark.databricks.delta.merge.materializeSource";

  /** The {@code traces} table as its first write creates it. */

  private TraceMerger() {}

  /**
   * What a merge did. {@code touchedDates}: request dates of inserted or updated traces, sorted;
   * {@code wholeBatchAppended}: the batch went in as it was, in one pass onto empty dates (so every row of it is now
   * the version {@code traces} holds).
   */
  public record Outcome(long inserted, long updated, long unchanged, List<LocalDate> touchedDates,
      boolean wholeBatchAppended) {

    public Outcome(long inserted, long updated, long unchanged, List<LocalDate> touchedDates) {
      this(inserted, updated, unchanged, touchedDates, false);
    }
  }

  private static Dataset<Row> compareHashes(Dataset<Row> batch, Dataset<Row> stored) {
    Dataset<Row> existing = stored.select(col(TraceColumns.TRACE_ID).as("_t_trace_id"),
        col(TraceColumns.RECORD_HASH).as("_t_hash"));
    return batch.select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE), col(TraceColumns.RECORD_HASH))
        .join(existing, col(TraceColumns.TRACE_ID).equalTo(col("_t_trace_id")), "left")
        .select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE),
            when(col("_t_trace_id").isNull(), lit(INSERT))
                .when(col(TraceColumns.RECORD_HASH).equalTo(col("_t_hash")), lit(UNCHANGED))
                .otherwise(lit(CHANGED)).as(ACTION));
  }

  /**
   * Whether the batch's version ({@code s.}) replaces the stored one ({@code t.}) whose record hash differs: when it
   * is fresher; on a re-read also when it is as fresh, the hash aside (the same content read again under the mapping
   * in force now, or a tie that a fresh read of the same files would also resolve this way).
   */
  private static Column replaces(boolean reread, String s, String t) {
    return reread ? CanonicalTraces.freshnessIgnoringHash(s).geq(CanonicalTraces.freshnessIgnoringHash(t))
        : CanonicalTraces.freshness(s).gt(CanonicalTraces.freshness(t));
  }

  /** For ids whose content changed: {@code update} when the batch's version replaces the stored one. */
  private static Dataset<Row> compareFreshness(Dataset<Row> batch, Dataset<Row> stored, Dataset<Row> changed,
      boolean reread) {
    Dataset<Row> ids = changed.select(col(TraceColumns.TRACE_ID).as("_c"));
    Dataset<Row> mine = batch.join(ids, col(TraceColumns.TRACE_ID).equalTo(col("_c")), "left_semi").as("s");
    Dataset<Row> theirs = stored.join(ids, col(TraceColumns.TRACE_ID).equalTo(col("_c")), "left_semi").as("t");
    return mine.join(theirs, col("s." + TraceColumns.TRACE_ID).equalTo(col("t." + TraceColumns.TRACE_ID)))
        .select(col("s." + TraceColumns.TRACE_ID), col("s." + TraceColumns.REQUEST_DATE),
            when(replaces(reread, "s.", "t."), lit(UPDATE)).otherwise(lit(UNCHANGED)).as(ACTION));
  }

  /**
   * Writes a batch (one row per trace_id) into {@code traces}. When none of the batch's request dates has a row in the
   * table yet (a new warehouse, or the next day's export), no stored trace can share an id with the batch — a trace's
   * request date is part of it — so the batch is written once, straight from its source, as an append in one
   * transaction that also checks those dates are empty ({@link EmptyDatesAppend}): a concurrent writer filling the
   * same dates makes it fall back to the MERGE. Otherwise the batch is cached and merged ({@link #mergeCached}).
   *
   * @param table the table, created empty first if it does not exist (for the MERGE; the append onto empty dates
   *     creates a new table itself, with its first rows)
   * @param tablePath where {@code table} lives
   * @param batchDates the batch's distinct request dates
   * @param batchRows the batch's row count
   * @param reread whether the batch re-reads files already read ({@code --reread}): its version wins ties
   */
  public static Outcome merge(Supplier<DeltaTable> table, String tablePath, Dataset<Row> batch,
      Set<LocalDate> batchDates, long batchRows, boolean reread) {
    if (!batchDates.isEmpty()) {
      List<LocalDate> dates = new ArrayList<>(new TreeSet<>(batchDates));
      SparkSession spark = batch.sparkSession();
      java.util.Optional<Long> appended = ConcurrentWrites.unlessAnotherWriterWins(TableNames.TRACES,
          () -> TraceCommits.withTouchedDates(spark, dates, () -> EmptyDatesAppend.write(spark, tablePath, batch,
              TraceColumns.REQUEST_DATE, dates, IngestTables.TRACES))).flatMap(written -> written);
      if (appended.isPresent()) {
        return new Outcome(batchRows, 0, 0, dates, true);
      }
    }
    Dataset<Row> cached = batch.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return mergeCached(table.get(), cached, batchDates, reread);
    } finally {
      cached.unpersist();
    }
  }

  /**
   * The batch's keys classified against the table's rows on the batch's dates (new id, equal hash, else freshness),
   * then an insert-only MERGE for new ids and a matched-only MERGE for fresher versions, both reading and rewriting
   * only those dates' files: a stored version of a batch trace is on the batch trace's own date, so a day's run costs
   * that day, not the history behind it. The batch is read several times: cache it.
   */
  private static Outcome mergeCached(DeltaTable table, Dataset<Row> batch, Set<LocalDate> batchDates,
      boolean reread) {
    Object[] dates = new TreeSet<>(batchDates).toArray();
    Dataset<Row> stored = table.toDF().where(col(TraceColumns.REQUEST_DATE).isin(dates));
    boolean noneOnThoseDates = stored.isEmpty();
    long inserted = 0;
    long updated = 0;
    long unchanged = 0;
    Set<LocalDate> touched = new TreeSet<>();
    Dataset<Row> byHash = noneOnThoseDates
        ? batch.select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE), lit(INSERT).as(ACTION))
        : compareHashes(batch, stored).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // Counts per action and date; freshness is compared only where hashes differ.
      List<Row> counts = new ArrayList<>(byHash.groupBy(ACTION, TraceColumns.REQUEST_DATE).count().collectAsList());
      if (counts.stream().anyMatch(r -> r.getString(0).equals(CHANGED))) {
        counts.addAll(compareFreshness(batch, stored, byHash.where(col(ACTION).equalTo(CHANGED)), reread)
            .groupBy(ACTION, TraceColumns.REQUEST_DATE).count().collectAsList());
      }
      for (Row r : counts) {
        switch (r.getString(0)) {
          case INSERT -> inserted += r.getLong(2);
          case UPDATE -> updated += r.getLong(2);
          case UNCHANGED -> unchanged += r.getLong(2);
          default -> { } // CHANGED: counted once resolved into update or unchanged
        }
        if (r.getString(0).equals(INSERT) || r.getString(0).equals(UPDATE)) {
          touched.add(r.getLocalDate(1));
        }
      }
    } finally {
      byHash.unpersist();
    }
    // The dates as a literal condition on the target: Delta reads and rewrites only their partitions.
    Column sameTrace = col("t." + TraceColumns.REQUEST_DATE).isin(dates)
        .and(col("t." + TraceColumns.TRACE_ID).equalTo(col("s." + TraceColumns.TRACE_ID)));
    SparkSession spark = batch.sparkSession();
    String materialize = spark.conf().get(MATERIALIZE_SOURCE, "auto");
    try {
      // Each commit names the dates it touched, for the analytics' bookkeeping (TraceCommits).
      if (inserted > 0) {
        // An insert-only MERGE reads the batch once, and the batch is cached: Delta need not copy it again first.
        // (A matched MERGE reads its source twice; Delta keeps its default.)
        spark.conf().set(MATERIALIZE_SOURCE, "none");
        ConcurrentWrites.retrying(TableNames.TRACES, () -> TraceCommits.withTouchedDates(spark, touched, () -> {
          table.as("t").merge(batch.as("s"), sameTrace).whenNotMatched().insertAll().execute();
          return null;
        }));
        spark.conf().set(MATERIALIZE_SOURCE, materialize);
      }
      if (updated > 0) {
        // Matched-only: Delta rewrites just the files holding a trace with a fresher version in the batch.
        ConcurrentWrites.retrying(TableNames.TRACES, () -> TraceCommits.withTouchedDates(spark, touched, () -> {
          table.as("t").merge(batch.as("s"), sameTrace)
              .whenMatched(replaces(reread, "s.", "t.").and(col("s." + TraceColumns.RECORD_HASH)
                  .notEqual(col("t." + TraceColumns.RECORD_HASH))))
              .updateAll()
              .execute();
          return null;
        }));
      }
    } finally {
      spark.conf().set(MATERIALIZE_SOURCE, materialize);
    }
    return new Outcome(inserted, updated, unchanged, new ArrayList<>(touched));
  }
}
