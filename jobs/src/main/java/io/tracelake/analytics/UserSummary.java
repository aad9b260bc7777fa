package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The {@code user_summary} table.
 *
 * <p>Grain: one row per {@code user_id} (traces without a user under a null user_id). Output: {@code first_seen,
 * last_seen, active_days} (distinct UTC dates), {@code interactions, sessions, error_count, error_rate,
 * avg_duration_ms, p95_duration_ms}, tokens, {@code top_category} (the most frequent category; ties go to the name
 * first in alphabetical order; null when no trace has one), {@code top_category_count} and
 * {@code feedback_count, negative_feedback}.
 */
public final class UserSummary {

  private UserSummary() {}

  /** Input: {@code traces} rows; for each user it contains, all of that user's traces. */
  public static Dataset<Row> compute(Dataset<Row> traces, String categoryTag) {
    return fromDaily(DailyUserActivity.compute(traces, categoryTag));
  }

  /**
   * Input: {@code daily_user_activity} rows; for each user they contain, all of that user's dates. The result equals
   * {@link #compute} on the traces those rows came from (see {@link DailyRollups}).
   */
  public static Dataset<Row> fromDaily(Dataset<Row> daily) {
    List<Column> aggs = new ArrayList<>();
    aggs.addAll(DailyRollups.timeSpan("first_seen", "last_seen"));
    aggs.add(count(lit(1)).as("active_days"));
    aggs.add(DailyRollups.interactions());
    aggs.add(DailyRollups.distinctCount(TraceStats.SESSION_IDS, "sessions"));
    aggs.addAll(DailyRollups.commonAfterInteractions(false));
    aggs.add(sum(col(TraceStats.FEEDBACK_COUNT)).as(TraceStats.FEEDBACK_COUNT));
    aggs.add(sum(col(TraceStats.NEGATIVE_FEEDBACK)).as(TraceStats.NEGATIVE_FEEDBACK));
    aggs.addAll(DailyRollups.cost());
    Dataset<Row> stats = TraceStats.aggregate(daily.groupBy(col(TraceColumns.USER_ID)), aggs);
    Dataset<Row> top = topCategory(daily);
    return stats.join(top, col(TraceColumns.USER_ID).eqNullSafe(col("_k0")), "left")
        .select(col(TraceColumns.USER_ID), col("first_seen"), col("last_seen"), col("active_days"),
            col("interactions"), col("sessions"), col("error_count"), col("error_rate"), col("avg_duration_ms"),
            col("p95_duration_ms"), col("input_tokens"), col("output_tokens"), col("total_tokens"),
            col("top_category"), col("top_category_count"), col(TraceStats.FEEDBACK_COUNT),
            col(TraceStats.NEGATIVE_FEEDBACK), col(TraceStats.COST_USD), col(TraceStats.COSTED_TRACES));
  }

  /** Per user: the most frequent category (ties: alphabetical) and its count; the key comes back as {@code _k0}. */
  private static Dataset<Row> topCategory(Dataset<Row> daily) {
    return daily.select(col(TraceColumns.USER_ID).as("_k0"), explode(col("categories")).as(new String[] {
            "top_category", "_n"}))
        .groupBy(col("_k0"), col("top_category"))
        .agg(sum(col("_n")).as("top_category_count"))
        .withColumn("_rank", row_number().over(Window.partitionBy(col("_k0"))
            .orderBy(col("top_category_count").desc(), col("top_category").asc())))
        .where(col("_rank").equalTo(1))
        .drop("_rank");
  }
}
