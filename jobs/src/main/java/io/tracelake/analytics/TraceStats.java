package io.tracelake.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
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
 *
 * <p>Distinct counts are sizes of sets and percentiles are read from sorted arrays, so that an aggregation never needs
 * Spark's expand-per-distinct plan, and so that the daily tables can carry the sets and sorted durations from which
 * {@link DailyRollups} merges all-time figures exactly without reading the traces again.
 */
public final class TraceStats {

  /** Column names of the parts the daily tables keep for merging. */
  public static final String DURATION_COUNT = "duration_count";
  public static final String DURATION_SUM = "duration_sum_ms";
  public static final String DURATIONS = "durations_ms";
  public static final String SESSION_IDS = "session_ids";
  public static final String USER_IDS = "user_ids";
  public static final String ANONYMOUS_TRACES = "anonymous_traces";
  public static final String FEEDBACK_COUNT = "feedback_count";
  public static final String NEGATIVE_FEEDBACK = "negative_feedback";
  public static final String COST_USD = TraceColumns.COST_USD;
  public static final String COSTED_TRACES = "costed_traces";
  /** Costs are summed as decimals of this type, so that no order of the rows can change a sum's last digits. */
  static final String COST_SUM_TYPE = "decimal(30,12)";
  /** The token sums every table carries, in this order. */
  public static final List<String> TOKEN_COLUMNS = List.of("input_tokens", "output_tokens", "total_tokens");

  private TraceStats() {}

  public static Column interactions() {
    return count(lit(1)).as("interactions");
  }

  public static Column sessions() {
    return size(collect_set(col(TraceColumns.SESSION_ID))).cast("bigint").as("sessions");
  }

  public static Column distinctUsers() {
    return size(collect_set(col(TraceColumns.USER_ID))).cast("bigint").as("distinct_users");
  }

  /** The distinct non-null session ids, sorted. */
  public static Column sessionIds() {
    return sort_array(collect_set(col(TraceColumns.SESSION_ID))).as(SESSION_IDS);
  }

  /** The distinct non-null user ids, sorted. */
  public static Column userIds() {
    return sort_array(collect_set(col(TraceColumns.USER_ID))).as(USER_IDS);
  }

  /**
   * The additive duration figures and the sorted durations themselves (nulls left out): {@code duration_count},
   * {@code duration_sum_ms}, {@code durations_ms}.
   */
  public static List<Column> durationParts() {
    Column d = col(TraceColumns.EXECUTION_DURATION_MS);
    return List.of(count(d).as(DURATION_COUNT), coalesce(sum(d), lit(0L)).as(DURATION_SUM),
        sort_array(collect_list(d)).as(DURATIONS));
  }

  /** Traces without a user. */
  public static Column anonymousTraces() {
    return sum(when(col(TraceColumns.USER_ID).isNull(), 1L).otherwise(0L)).as(ANONYMOUS_TRACES);
  }

  /** Per group: {@code feedback_count}, {@code negative_feedback} (see {@link FeedbackDaily#counted}). */
  public static List<Column> feedback() {
    return List.of(sum(FeedbackDaily.countedFeedback().cast("bigint")).as(FEEDBACK_COUNT),
        sum(FeedbackDaily.countedNegative().cast("bigint")).as(NEGATIVE_FEEDBACK));
  }

  /**
   * Per group: {@code cost_usd}, the sum of the traces' known costs (null when none is known; never a 0 standing for
   * unknown), and {@code costed_traces}, how many traces it sums (compare with the traces to see what is priced).
   */
  public static List<Column> cost() {
    return List.of(sum(col(COST_USD).cast(COST_SUM_TYPE)).cast("double").as(COST_USD),
        count(col(COST_USD)).as(COSTED_TRACES));
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
    Column d = col(TraceColumns.EXECUTION_DURATION_MS);
    return latencyOf(avg(d), sort_array(collect_list(d)), withMedian);
  }

  /** avg, (p50,) p95 from an average and a sorted array of durations. */
  static List<Column> latencyOf(Column average, Column sortedDurations, boolean withMedian) {
    List<Column> cols = new ArrayList<>();
    cols.add(average.as("avg_duration_ms"));
    if (withMedian) {
      cols.add(percentileOfSorted(sortedDurations, 0.5).as("p50_duration_ms"));
    }
    cols.add(percentileOfSorted(sortedDurations, 0.95).as("p95_duration_ms"));
    return cols;
  }

  /**
   * The exact percentile of a sorted array of numbers with linear interpolation between the two closest ranks, as
   * pandas' {@code Series.quantile} and Spark's {@code percentile}; the arithmetic is Spark's, term for term, so both
   * give the same double. Null for an empty or null array.
   */
  public static Column percentileOfSorted(Column sorted, double p) {
    Column n = size(sorted);
    Column position = n.minus(1).cast("double").multiply(p);
    Column lower = floor(position);
    Column higher = ceil(position);
    Column lowerValue = element_at(sorted, lower.plus(1).cast("int")).cast("double");
    Column higherValue = element_at(sorted, higher.plus(1).cast("int")).cast("double");
    Column interpolated = higher.minus(position).multiply(lowerValue)
        .plus(position.minus(lower).multiply(higherValue));
    return when(coalesce(n, lit(0)).leq(0), lit(null).cast("double"))
        .when(lower.equalTo(higher).or(lowerValue.equalTo(higherValue)), lowerValue)
        .otherwise(interpolated);
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
