package io.tracelake.warehouse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.CommitInfo;
import org.apache.spark.sql.delta.actions.SetTransaction;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Delta table's latest version and its newest commits, read from the transaction log's files on the driver: no
 * Spark job, and no reconstruction of the table's state (which Delta's {@code history()} and a snapshot's transaction
 * ids both cost, about a second per call on a small table). Uses Delta's log reader, which is not part of its
 * public API: a runtime whose Delta lacks it raises a {@link LinkageError}, which callers turn into the slower public
 * way or an unknown.
 */
final class DeltaCommits {

  /**
   * One commit: its version, operation (e.g. {@code WRITE}, {@code MERGE}), user metadata (null when none), the
   * operation metrics Delta recorded, and its transaction ids (app id → version).
   */
  record Commit(long version, String operation, String userMetadata, Map<String, String> operationMetrics,
      Map<String, Long> transactionIds) {}

  private DeltaCommits() {}

  /** The latest version of the table at {@code path}; -1 when it has no commit yet. */
  static long latestVersion(SparkSession spark, String path) {
    return DeltaLog.forTable(spark, path).update(false, Option.empty(), Option.empty()).version();
  }

  /** The commits after {@code afterVersion}, oldest first (read from the log; none when there are none). */
  static List<Commit> after(SparkSession spark, String path, long afterVersion) {
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
}
