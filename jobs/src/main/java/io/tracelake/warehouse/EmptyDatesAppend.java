package io.tracelake.warehouse;

import io.tracelake.schema.TableSpec;

import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.Format;
import org.apache.spark.sql.delta.actions.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes rows onto date partitions that hold no rows yet, in one Delta transaction that both checks and writes: the
 * transaction reads the files of those dates (so Delta records the read), and commits the rows as an append only
 * when there are none. A writer that commits rows on those dates after the check makes this commit fail with Delta's
 * {@code ConcurrentAppendException}: the caller then merges instead, and neither writer's rows are lost. (A check on
 * one snapshot followed by a {@code replaceWhere} overwrite on a later one would replace the other writer's rows
 * without a conflict.)
 *
 * <p>A table without a commit yet is created by the same transaction, from its declaration ({@link TableSpec}): one
 * commit, no empty table first. Another writer creating it at the same moment makes this commit fail as above.
 *
 * <p>The rows must have the table's columns; an existing table must be partitioned by {@code dateColumn}.
 */
public final class EmptyDatesAppend {

  private static final Logger LOG = LoggerFactory.getLogger(EmptyDatesAppend.class);

  private EmptyDatesAppend() {}

  /**
   * @return the rows appended; empty when the table already has rows on one of {@code dates}, or another writer
   *     committed rows there before this commit (then nothing of this write is visible)
   */
  public static Optional<Long> write(SparkSession spark, String tablePath, Dataset<Row> rows, String dateColumn,
      Collection<LocalDate> dates, TableSpec newTable) {
    return write(spark, tablePath, rows, dateColumn, dates, newTable, () -> { });
  }

  /** {@link #write}, running {@code betweenCheckAndCommit} after the check (for tests of a writer in between). */
  static Optional<Long> write(SparkSession spark, String tablePath, Dataset<Row> rows, String dateColumn,
      Collection<LocalDate> dates, TableSpec newTable, Runnable betweenCheckAndCommit) {
    try {
      return checkAndAppend(spark, tablePath, rows, dateColumn, dates, newTable, betweenCheckAndCommit);
    } catch (LinkageError e) {
      // Delta's transaction classes are not public API: a runtime whose Delta differs (Databricks ships its own)
      // may lack a method used here. The caller's MERGE is exact too, only slower.
      LOG.warn("[warehouse] the append onto empty dates is not available with this Delta ({}); merging instead",
          e.toString());
      return Optional.empty();
    }
  }

  private static Optional<Long> checkAndAppend(SparkSession spark, String tablePath, Dataset<Row> rows,
      String dateColumn, Collection<LocalDate> dates, TableSpec newTable, Runnable betweenCheckAndCommit) {
    String onlyThoseDates = predicate(dateColumn, dates);
    DeltaLog log = DeltaLog.forTable(spark, tablePath);
    OptimisticTransaction txn = log.startTransaction();
    if (txn.readVersion() < 0) {
      txn.updateMetadataForNewTable(metadata(newTable, dateColumn));
    } else {
      Seq<Expression> filter = CollectionConverters.asScala(List.of(resolved(spark, tablePath, onlyThoseDates)))
          .toSeq();
      if (!txn.filterFiles(filter, false).isEmpty()) {
        return Optional.empty();
      }
    }
    Seq<FileAction> written = txn.writeFiles(rows);
    betweenCheckAndCommit.run();
    long appended = 0;
    for (FileAction a : CollectionConverters.asJava(written)) {
      if (a instanceof AddFile add) {
        Option<Object> records = add.numLogicalRecords();
        appended += records.isDefined() ? (Long) records.get() : 0;
      }
    }
    @SuppressWarnings("unchecked")
    Seq<Action> actions = (Seq<Action>) (Seq<?>) written;
    Seq<String> partitionBy = CollectionConverters.asScala(List.of(dateColumn)).toSeq();
    DeltaOperations.Write operation = new DeltaOperations.Write(SaveMode.Append, Option.apply(partitionBy),
        Option.apply(onlyThoseDates), Option.empty(), Option.empty(), Option.empty(), Option.empty(), Option.empty(),
        Option.empty());
    txn.commit(actions, operation);
    return Optional.of(appended);
  }

  /** A new table's metadata: its columns, partitioned by {@code dateColumn}, statistics as declared. */
  private static Metadata metadata(TableSpec table, String dateColumn) {
    Map<String, String> properties = table.statsColumns().isEmpty() ? Map.of()
        : Map.of(Warehouse.STATS_COLUMNS, String.join(",", table.statsColumns()));
    return new Metadata(UUID.randomUUID().toString(), null, table.comment(),
        new Format("parquet", scala.collection.immutable.Map$.MODULE$.empty()), table.schema().json(),
        CollectionConverters.asScala(List.of(dateColumn)).toSeq(),
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(properties)),
        Option.apply(System.currentTimeMillis()));
  }

  /** {@code date_column IN (DATE'…', …)}, the dates sorted. */
  static String predicate(String dateColumn, Collection<LocalDate> dates) {
    return dateColumn + " IN (" + String.join(", ", new TreeSet<>(dates).stream()
        .map(d -> "DATE'" + d + "'").toList()) + ")";
  }

  /** The predicate resolved against the table's columns, as Delta's file filtering takes it. */
  private static Expression resolved(SparkSession spark, String tablePath, String predicate) {
    LogicalPlan plan = spark.read().format("delta").load(tablePath).where(predicate).queryExecution().analyzed();
    return ((Filter) plan).condition();
  }
}
