package io.tracelake.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * How conversations go, per release: the ways they start ({@code session_paths}) and where they stop
 * ({@code turn_dropoff}). A session counts under its first turn's {@code app_version} and {@code environment}; both
 * tables are aggregates of {@code sessions}, one row per session, so they are exact over all sessions and cheap to
 * recompute in full after each run.
 */
public final class SessionPaths {

  private SessionPaths() {}

  /**
   * Input: {@code sessions} rows. Grain: one row per ({@code app_version}, {@code environment}, {@code path}); nulls
   * are groups of their own. Output: {@code path_turns} (turns the path names), {@code sessions}, {@code share} (of
   * the release's sessions), {@code mean_turns}, {@code negative_feedback_rate} (share of the sessions with a
   * negative feedback), {@code feedback_count}.
   */
  public static Dataset<Row> paths(Dataset<Row> sessions) {
    return paths(sessions, col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT));
  }

  /** {@link #paths(Dataset)} per the given columns of {@code sessions} instead of the release (none: all sessions). */
  public static Dataset<Row> paths(Dataset<Row> sessions, Column... groups) {
    List<Column> keys = new ArrayList<>(List.of(groups));
    keys.add(col(SessionSummaries.PATH));
    List<Column> out = new ArrayList<>(keys);
    out.addAll(List.of(
        least(col("_max_turns"), lit((long) SessionSummaries.PATH_TURNS)).cast("int").as("path_turns"),
        col("sessions"),
        col("sessions").divide(sum(col("sessions")).over(Window.partitionBy(groups))).as("share"),
        col("mean_turns"), col("negative_feedback_rate"), col(TraceStats.FEEDBACK_COUNT), col(TraceStats.COST_USD),
        col(TraceStats.COSTED_TRACES)));
    return sessions
        .groupBy(keys.toArray(new Column[0]))
        .agg(count(lit(1)).as("sessions"),
            avg(col("turns")).as("mean_turns"),
            avg(when(col(TraceStats.NEGATIVE_FEEDBACK).gt(0), 1.0).otherwise(0.0)).as("negative_feedback_rate"),
            sum(col(TraceStats.FEEDBACK_COUNT)).as(TraceStats.FEEDBACK_COUNT),
            max(col("turns")).as("_max_turns"),
            DailyRollups.cost().get(0), DailyRollups.cost().get(1))
        .select(out.toArray(new Column[0]));
  }

  /**
   * Input: {@code sessions} rows. Grain: one row per ({@code app_version}, {@code environment}, {@code turn}) from 1
   * to the longest session's turns. Output: {@code sessions_reaching} (sessions with at least {@code turn} turns),
   * {@code sessions_ending} (with exactly that many), {@code continue_rate} (reaching the next turn / reaching this
   * one).
   */
  public static Dataset<Row> dropoff(Dataset<Row> sessions) {
    return dropoff(sessions, col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT));
  }

  /** {@link #dropoff(Dataset)} per the given columns of {@code sessions} instead of the release (none: all). */
  public static Dataset<Row> dropoff(Dataset<Row> sessions, Column... groups) {
    List<Column> keep = new ArrayList<>(List.of(groups));
    keep.addAll(List.of(col("turns"), explode(sequence(lit(1L), col("turns"))).as("_turn")));
    List<Column> keys = new ArrayList<>(List.of(groups));
    keys.add(col("_turn").cast("int").as("turn"));
    List<Column> out = new ArrayList<>(List.of(groups));
    out.addAll(List.of(col("turn"), col("sessions_reaching"), col("sessions_ending"),
        col("sessions_reaching").minus(col("sessions_ending")).divide(col("sessions_reaching"))
            .as("continue_rate")));
    return sessions
        .select(keep.toArray(new Column[0]))
        .groupBy(keys.toArray(new Column[0]))
        .agg(count(lit(1)).as("sessions_reaching"),
            sum(when(col("turns").equalTo(col("_turn")), 1L).otherwise(0L)).as("sessions_ending"))
        .select(out.toArray(new Column[0]));
  }
}
