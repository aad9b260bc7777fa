package io.tracelake.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;

/**
 * The aggregates every analytics table shares, defined once so that all tables count the same way as the pandas code
 * of MLflow's tutorials:
 *
 * <ul>
 *   <li>{@code interactions}: number of traces (every state);
 *   <li>{@code error_count}, {@code error_rate}: traces whose state is ERROR, and their share of all traces;
 *   <li>{@code avg/p50/p95_duration_ms}: over traces that have a duration (pandas skips NaN); percentiles are exact
 *       with linear interpolation, as {@code Series.quantile}; null when no trace has a duration;
 *   <li>tokens: sums, 0 when no trace reports usage (as a pandas sum of NaN);
 *   <li>{@code sessions}: distinct non-null session ids (empty ids are null in the traces table).
 * </ul>
 */
public final class TraceStats {

  private TraceStats() {}

  public static Column interactions() {
    return count(lit(1)).as("interactions");
  }

  public static Column sessions() {
    return countDistinct(col(TraceColumns.SESSION_ID)).as("sessions");
  }

  public static Column distinctUsers() {
    return countDistinct(col(TraceColumns.USER_ID)).as("distinct_users");
  }

  public static Column errorCount() {
    return sum(when(col(TraceColumns.STATE).equalTo(TraceColumns.STATE_ERROR), 1L).otherwise(0L)).as("error_count");
  }

  /** ERROR traces over all traces of the group (null for an empty input without groups). */
  public static Column errorRate() {
    return sum(when(col(TraceColumns.STATE).equalTo(TraceColumns.STATE_ERROR), 1.0).otherwise(0.0))
        .divide(count(lit(1))).as("error_rate");
  }

  public static List<Column> latency(boolean withMedian) {
    List<Column> cols = new ArrayList<>();
    Column d = col(TraceColumns.EXECUTION_DURATION_MS);
    cols.add(avg(d).as("avg_duration_ms"));
    if (withMedian) {
      cols.add(percentile(d, lit(0.5)).as("p50_duration_ms"));
    }
    cols.add(percentile(d, lit(0.95)).as("p95_duration_ms"));
    return cols;
  }

  public static List<Column> tokens() {
    return List.of(
        coalesce(sum(col(TraceColumns.INPUT_TOKENS)), lit(0L)).as("input_tokens"),
        coalesce(sum(col(TraceColumns.OUTPUT_TOKENS)), lit(0L)).as("output_tokens"),
        coalesce(sum(col(TraceColumns.TOTAL_TOKENS)), lit(0L)).as("total_tokens"));
  }

  public static List<Column> timeSpan(String first, String last) {
    return List.of(min(col(TraceColumns.REQUEST_TIME)).as(first), max(col(TraceColumns.REQUEST_TIME)).as(last));
  }

  /** Aggregates a grouped frame with a list of columns (Spark's {@code agg} wants the first one apart). */
  public static Dataset<Row> aggregate(RelationalGroupedDataset grouped, List<Column> columns) {
    return grouped.agg(columns.get(0), columns.subList(1, columns.size()).toArray(new Column[0]));
  }

  /** A map column, or an empty map where it is null (a group none of whose traces has the key). */
  public static Column emptyMapIfNull(Column map) {
    return coalesce(map, org.apache.spark.sql.functions.map_from_arrays(
        org.apache.spark.sql.functions.array().cast("array<string>"),
        org.apache.spark.sql.functions.array().cast("array<bigint>")));
  }

  /** interactions, error_count, error_rate, latency, tokens: the common block, in that order. */
  public static List<Column> common(boolean withMedian) {
    List<Column> cols = new ArrayList<>();
    cols.add(interactions());
    cols.addAll(commonAfterInteractions(withMedian));
    return cols;
  }

  /** The common block without interactions, for tables that put other counts right after it. */
  public static List<Column> commonAfterInteractions(boolean withMedian) {
    List<Column> cols = new ArrayList<>();
    cols.add(errorCount());
    cols.add(errorRate());
    cols.addAll(latency(withMedian));
    cols.addAll(tokens());
    return cols;
  }
}
