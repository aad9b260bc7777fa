package io.tracelake.analytics;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * Aggregates that merge rows of the daily tables ({@code daily_user_activity}, {@code version_breakdown}) into figures
 * over all their dates, exactly as if they were computed from the traces: counts and tokens are summed, the average
 * duration is the summed durations over the summed count of traces with a duration, distinct counts are sizes of
 * the union of the daily id sets, and percentiles are read from the merged sorted durations. This is what lets the
 * all-time summaries be recomputed without reading the traces again.
 */
final class DailyRollups {

  private DailyRollups() {}

  static List<Column> timeSpan(String first, String last) {
    return List.of(min(col("first_request_time")).as(first), max(col("last_request_time")).as(last));
  }

  static Column interactions() {
    return total("interactions");
  }

  /** The sum of a count column (never null: the merged rows always exist). */
  private static Column total(String column) {
    return coalesce(sum(col(column)), lit(0L)).as(column);
  }

  /** {@link TraceStats#cost} over daily rows: their costs and costed traces summed. */
  public static List<Column> cost() {
    return List.of(sum(col(TraceStats.COST_USD).cast(TraceStats.COST_SUM_TYPE)).cast("double").as(TraceStats.COST_USD),
        total(TraceStats.COSTED_TRACES));
  }

  /** The number of distinct ids over all merged rows of a column of id sets. */
  static Column distinctCount(String idSetColumn, String name) {
    return size(array_distinct(flatten(collect_list(col(idSetColumn))))).cast("bigint").as(name);
  }

  /**
   * The merge parts themselves, merged: applied to daily rows grouped by a coarser key, it gives rows that the other
   * aggregates here take as if they were daily rows (so several summaries can share one pass over the daily table).
   */
  static List<Column> mergedParts(List<String> idSets) {
    List<Column> cols = new ArrayList<>();
    cols.add(min(col("first_request_time")).as("first_request_time"));
    cols.add(max(col("last_request_time")).as("last_request_time"));
    for (String count : List.of("interactions", "error_count", TraceStats.DURATION_COUNT, TraceStats.DURATION_SUM)) {
      cols.add(total(count));
    }
    TraceStats.TOKEN_COLUMNS.forEach(tokens -> cols.add(total(tokens)));
    cols.add(sort_array(flatten(collect_list(col(TraceStats.DURATIONS)))).as(TraceStats.DURATIONS));
    for (String ids : idSets) {
      cols.add(array_distinct(flatten(collect_list(col(ids)))).as(ids));
    }
    cols.addAll(cost());
    return cols;
  }

  /** error_count, error_rate, latency, tokens: {@link TraceStats#commonAfterInteractions} over daily rows. */
  static List<Column> commonAfterInteractions(boolean withMedian) {
    List<Column> cols = new ArrayList<>();
    cols.add(total("error_count"));
    cols.add(sum(col("error_count")).divide(sum(col("interactions"))).as("error_rate"));
    Column withDuration = sum(col(TraceStats.DURATION_COUNT));
    Column average = when(withDuration.gt(0), sum(col(TraceStats.DURATION_SUM)).divide(withDuration))
        .otherwise(lit(null).cast("double"));
    cols.addAll(TraceStats.latencyOf(average, sort_array(flatten(collect_list(col(TraceStats.DURATIONS)))),
        withMedian));
    TraceStats.TOKEN_COLUMNS.forEach(tokens -> cols.add(total(tokens)));
    return cols;
  }
}
