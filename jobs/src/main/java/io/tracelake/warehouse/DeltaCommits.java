package io.tracelake.warehouse;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.CommitInfo;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.functions;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Delta table's latest version and its newest commits, read from the transaction log's files on the driver: no
 * Spark job, and no reconstruction of the table's state (which Delta's {@code history()} and a snapshot's transaction
 * ids both cost: a Spark job each). Uses Delta's log reader, which is not part of its
 * public API; on a runtime whose Delta lacks it (a {@link LinkageError}), the same facts come from Delta's public
 * {@code history()}, slower and without the transaction ids.
 */
final class DeltaCommits {

  /**
   * One commit: its version, operation (e.g. {@code WRITE}, {@code MERGE}), user metadata (null when none), the
   * operation metrics Delta recorded, and its transaction ids (app id → version; null where this runtime's Delta
   * cannot tell).
   */
  record Commit(long version, String operation, String userMetadata, Map<String, String> operationMetrics,
      Map<String, Long> transactionIds) {}

  private DeltaCommits() {}

  /** The latest version of the table at {@code path}; -1 when it has no commit yet. */
  static long latestVersion(SparkSession spark, String path) {
    try {
      return DeltaLog.forTable(spark, path).update(false, Option.empty(), Option.empty()).version();
    } catch (LinkageError e) {
      return DeltaTable.forPath(spark, path).history(1).first().<Long>getAs("version");
    }
  }

  /** The commits after {@code afterVersion}, oldest first (read from the log; none when there are none). */
  static List<Commit> after(SparkSession spark, String path, long afterVersion) {
    try {
      return fromLog(spark, path, afterVersion);
    } catch (LinkageError e) {
      return fromHistory(spark, path, afterVersion);
    }
  }

  private static List<Commit> fromLog(SparkSession spark, String path, long afterVersion) {
    List<Commit> commits = new ArrayList<>();
    var changes = DeltaLog.forTable(spark, path).getChanges(afterVersion + 1, Option.empty(), false);
    while (changes.hasNext()) {
      Tuple2<Object, scala.collection.immutable.Seq<Action>> change = changes.next();
      String operation = null;
      String userMetadata = null;
      Map<String, String> metrics = Map.of();
      Map<String, Long> ids = new HashMap<>();
      for (Action action : CollectionConverters.asJava(change._2())) {
        if (action instanceof CommitInfo info) {
          operation = info.operation();
          userMetadata = info.userMetadata().isDefined() ? info.userMetadata().get() : null;
          if (info.operationMetrics().isDefined()) {
            metrics = CollectionConverters.asJava(info.operationMetrics().get());
          }
        } else if (action instanceof SetTransaction txn) {
          ids.put(txn.appId(), txn.version());
        }
      }
      commits.add(new Commit((Long) change._1(), operation, userMetadata, metrics, ids));
    }
    return commits;
  }

  private static List<Commit> fromHistory(SparkSession spark, String path, long afterVersion) {
    long newer = latestVersion(spark, path) - afterVersion;
    if (newer <= 0) {
      return List.of();
    }
    List<Commit> commits = new ArrayList<>();
    for (Row r : DeltaTable.forPath(spark, path).history((int) Math.min(Integer.MAX_VALUE, newer))
        .where(functions.col("version").gt(afterVersion))
        .select("version", "operation", "userMetadata", "operationMetrics").collectAsList()) {
      commits.add(new Commit(r.getLong(0), r.getString(1), r.getString(2),
          r.isNullAt(3) ? Map.of() : r.<String, String>getJavaMap(3), null));
    }
    commits.sort(java.util.Comparator.comparingLong(Commit::version));
    return commits;
  }
}
