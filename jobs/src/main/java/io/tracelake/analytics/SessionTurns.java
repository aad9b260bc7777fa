package io.tracelake.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unix_millis;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The {@code session_turns} table: the turn-by-turn timeline of each conversation.
 *
 * <p>Input: {@code traces} rows; for a correct turn order it must hold every trace of each session it contains.
 * Grain: one row per trace that has a session. Output: {@code session_id, turn} (1-based by {@code request_time}; ties
 * broken by {@code trace_id}), {@code trace_id, user_id, request_time, timestamp_ms} (epoch ms, as the tutorial prints
 * it), {@code request_date, duration_ms, state, request, response, request_preview, response_preview, gap_ms} (from
 * the end of the previous turn, its request time plus its duration or plus 0 when it has none, to this turn's request
 * time; null for turn 1; negative when turns overlap), {@code feedback_count, negative_feedback} (the trace's
 * feedback that counts, {@link FeedbackDaily#counted}), {@code path_step} (what names the turn in session paths:
 * {@code step}, by default the trace name).
 */
public final class SessionTurns {

  /** The turn's name in session paths ({@link #step}). */
  public static final String PATH_STEP = "path_step";

  private SessionTurns() {}

  /** The order of turns within a session: by request time, ties broken by trace id. */
  public static WindowSpec turnOrder() {
    return Window.partitionBy(col(TraceColumns.SESSION_ID))
        .orderBy(col(TraceColumns.REQUEST_TIME), col(TraceColumns.TRACE_ID));
  }

  /** The column naming a turn in session paths, by {@code analytics.path_step}: the trace name or the category. */
  public static Column step(TracelakeConfig.Analytics analytics) {
    return analytics.pathStep().equals(TracelakeConfig.Analytics.STEP_CATEGORY)
        ? col(TraceColumns.TAGS).getItem(analytics.categoryTag()) : col(TraceColumns.TRACE_NAME);
  }

  /** {@link #compute(Dataset, Column)} with the trace name as each turn's path step. */
  public static Dataset<Row> compute(Dataset<Row> traces) {
    return compute(traces, col(TraceColumns.TRACE_NAME));
  }

  public static Dataset<Row> compute(Dataset<Row> traces, Column step) {
    WindowSpec order = turnOrder();
    Column requestMs = unix_millis(col(TraceColumns.REQUEST_TIME));
    Column previousEnd = lag(requestMs.plus(coalesce(col(TraceColumns.EXECUTION_DURATION_MS), lit(0L))), 1)
        .over(order);
    return traces.where(col(TraceColumns.SESSION_ID).isNotNull())
        .select(
            col(TraceColumns.SESSION_ID),
            row_number().over(order).as("turn"),
            col(TraceColumns.TRACE_ID),
            col(TraceColumns.USER_ID),
            col(TraceColumns.REQUEST_TIME),
            requestMs.as("timestamp_ms"),
            col(TraceColumns.REQUEST_DATE),
            col(TraceColumns.EXECUTION_DURATION_MS).as("duration_ms"),
            col(TraceColumns.STATE),
            col(TraceColumns.APP_VERSION),
            col(TraceColumns.ENVIRONMENT),
            col(TraceColumns.REQUEST),
            col(TraceColumns.RESPONSE),
            col(TraceColumns.REQUEST_PREVIEW),
            col(TraceColumns.RESPONSE_PREVIEW),
            col(TraceColumns.INPUT_TOKENS),
            col(TraceColumns.OUTPUT_TOKENS),
            col(TraceColumns.TOTAL_TOKENS),
            requestMs.minus(previousEnd).as("gap_ms"),
            FeedbackDaily.countedFeedback().cast("bigint").as(TraceStats.FEEDBACK_COUNT),
            FeedbackDaily.countedNegative().cast("bigint").as(TraceStats.NEGATIVE_FEEDBACK),
            step.as(PATH_STEP),
            col(TraceColumns.COST_USD));
  }
}
