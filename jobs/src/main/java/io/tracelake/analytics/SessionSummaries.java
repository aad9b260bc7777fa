package io.tracelake.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code sessions} table.
 *
 * <p>Input: {@code session_turns} rows (complete sessions). Grain: one row per {@code session_id}. Output:
 * {@code user_id} (the user of the first turn; {@code user_count} says how many distinct users the session had, so a
 * shared session id is visible), {@code start_time} (first request), {@code end_time} (latest request time plus
 * duration), {@code session_date} (UTC date of start_time), {@code turns, error_count, error_rate,
 * total_duration_ms} (sum of turn durations), {@code avg_turn_duration_ms, app_versions, environments} (sorted, distinct,
 * nulls left out), {@code first_request} (turn 1's request), {@code last_response} (the last turn's response), tokens,
 * {@code avg_gap_ms, p50_gap_ms, max_gap_ms} (idle gaps between turns; null for one-turn sessions),
 * {@code feedback_count, negative_feedback} (summed over the turns), {@code app_version, environment} (the first
 * turn's: the release a session is counted under) and {@code path} (the first five turns' path steps, joined by
 * " > ", "?" for a step without a name).
 */
public final class SessionSummaries {

  /** The UTC date of the session's first request; the table is partitioned by it. */
  public static final String SESSION_DATE = "session_date";

  /** The session's first turns, named: see {@link #path}. */
  public static final String PATH = "path";
  /** How many turns a path names. */
  public static final int PATH_TURNS = 5;
  /** Between two steps of a path. */
  public static final String PATH_SEPARATOR = " > ";
  /** A step without a name (no trace name, or no category). */
  public static final String UNNAMED_STEP = "?";

  private SessionSummaries() {}

  /** The first {@link #PATH_TURNS} steps of (turn, path_step) structs sorted by turn, joined; a null step is "?". */
  private static Column path(Column sortedSteps) {
    return concat_ws(PATH_SEPARATOR, transform(slice(sortedSteps, 1, PATH_TURNS),
        s -> coalesce(s.getField(SessionTurns.PATH_STEP), lit(UNNAMED_STEP))));
  }

  public static Dataset<Row> compute(Dataset<Row> turns) {
    Column end = timestampEnd();
    return turns.groupBy(col(TraceColumns.SESSION_ID))
        .agg(
            min_by(col(TraceColumns.USER_ID), col("turn")).as(TraceColumns.USER_ID),
            size(collect_set(col(TraceColumns.USER_ID))).cast("bigint").as("user_count"),
            min(col(TraceColumns.REQUEST_TIME)).as("start_time"),
            max(end).as("end_time"),
            count(lit(1)).as("turns"),
            sum(when(col(TraceColumns.STATE).equalTo(TraceColumns.STATE_ERROR), 1L).otherwise(0L)).as("error_count"),
            coalesce(sum(col("duration_ms")), lit(0L)).as("total_duration_ms"),
            avg(col("duration_ms")).as("avg_turn_duration_ms"),
            sort_array(collect_set(col(TraceColumns.APP_VERSION))).as("app_versions"),
            sort_array(collect_set(col(TraceColumns.ENVIRONMENT))).as("environments"),
            min_by(col(TraceColumns.REQUEST), col("turn")).as("first_request"),
            max_by(col(TraceColumns.RESPONSE), col("turn")).as("last_response"),
            coalesce(sum(col(TraceColumns.INPUT_TOKENS)), lit(0L)).as("input_tokens"),
            coalesce(sum(col(TraceColumns.OUTPUT_TOKENS)), lit(0L)).as("output_tokens"),
            coalesce(sum(col(TraceColumns.TOTAL_TOKENS)), lit(0L)).as("total_tokens"),
            avg(col("gap_ms")).as("avg_gap_ms"),
            TraceStats.percentileOfSorted(sort_array(collect_list(col("gap_ms"))), 0.5).as("p50_gap_ms"),
            max(col("gap_ms")).as("max_gap_ms"),
            sum(col(TraceStats.FEEDBACK_COUNT)).as(TraceStats.FEEDBACK_COUNT),
            sum(col(TraceStats.NEGATIVE_FEEDBACK)).as(TraceStats.NEGATIVE_FEEDBACK),
            min_by(col(TraceColumns.APP_VERSION), col("turn")).as(TraceColumns.APP_VERSION),
            min_by(col(TraceColumns.ENVIRONMENT), col("turn")).as(TraceColumns.ENVIRONMENT),
            sort_array(collect_list(struct(col("turn"), col(SessionTurns.PATH_STEP)))).as("_steps"),
            TraceStats.cost().get(0), TraceStats.cost().get(1))
        .select(col(TraceColumns.SESSION_ID), col(TraceColumns.USER_ID), col("user_count"), col("start_time"),
            col("end_time"), to_date(col("start_time")).as(SESSION_DATE), col("turns"), col("error_count"),
            col("error_count").divide(col("turns")).as("error_rate"), col("total_duration_ms"),
            col("avg_turn_duration_ms"), col("app_versions"), col("environments"), col("first_request"),
            col("last_response"), col("input_tokens"), col("output_tokens"), col("total_tokens"), col("avg_gap_ms"),
            col("p50_gap_ms"), col("max_gap_ms"), col(TraceStats.FEEDBACK_COUNT), col(TraceStats.NEGATIVE_FEEDBACK),
            col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT), path(col("_steps")).as(PATH),
            col(TraceStats.COST_USD), col(TraceStats.COSTED_TRACES));
  }

  private static Column timestampEnd() {
    return timestamp_millis(col("timestamp_ms").plus(coalesce(col("duration_ms"), lit(0L))));
  }
}
