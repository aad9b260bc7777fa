package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_entries;
import static org.apache.spark.sql.functions.struct;

import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code daily_user_activity} table.
 *
 * <p>Input: {@code traces} rows (any date range). Grain: one row per ({@code activity_date}, {@code user_id}), the UTC
 * date of {@code request_time}; traces without a user are kept under a null {@code user_id}, so the table's
 * interactions add up to the traces table. Output: {@code interactions, sessions, error_count, error_rate,
 * avg/p50/p95_duration_ms, input/output/total_tokens, categories} (category → traces; traces without the category tag
 * are not in the map, as {@code value_counts()} drops them), {@code first_request_time, last_request_time}, and the
 * parts {@code user_summary} is merged from: {@code duration_count, duration_sum_ms, durations_ms} (sorted) and
 * {@code session_ids} (sorted); {@code feedback_count, negative_feedback} ({@link FeedbackDaily#counted}).
 */
public final class DailyUserActivity {

  public static final String DATE = "activity_date";

  private DailyUserActivity() {}

  public static Dataset<Row> compute(Dataset<Row> traces, String categoryTag) {
    Dataset<Row> withDate = traces.withColumn(DATE, col(TraceColumns.REQUEST_DATE));
    List<Column> aggs = new ArrayList<>(TraceStats.common(true));
    aggs.add(TraceStats.sessions());
    aggs.addAll(TraceStats.timeSpan("first_request_time", "last_request_time"));
    aggs.addAll(TraceStats.durationParts());
    aggs.add(TraceStats.sessionIds());
    aggs.addAll(TraceStats.feedback());
    aggs.addAll(TraceStats.cost());
    Dataset<Row> stats = TraceStats.aggregate(withDate.groupBy(col(DATE), col(TraceColumns.USER_ID)), aggs);
    Dataset<Row> categories = categoryCounts(withDate, categoryTag, col(DATE), col(TraceColumns.USER_ID));
    return stats
        .join(categories, col(DATE).equalTo(col("_k0")).and(col(TraceColumns.USER_ID).eqNullSafe(col("_k1"))),
            "left")
        .select(col(DATE), col(TraceColumns.USER_ID), col("interactions"), col("sessions"), col("error_count"),
            col("error_rate"), col("avg_duration_ms"), col("p50_duration_ms"), col("p95_duration_ms"),
            col("input_tokens"), col("output_tokens"), col("total_tokens"),
            TraceStats.emptyMapIfNull(col("categories")).as("categories"),
            col("first_request_time"), col("last_request_time"), col(TraceStats.DURATION_COUNT),
            col(TraceStats.DURATION_SUM), col(TraceStats.DURATIONS), col(TraceStats.SESSION_IDS),
            col(TraceStats.FEEDBACK_COUNT), col(TraceStats.NEGATIVE_FEEDBACK), col(TraceStats.COST_USD),
            col(TraceStats.COSTED_TRACES));
  }

  /**
   * Per group, the map category → traces, over traces that have the category tag. The group keys come back as
   * {@code _k0, _k1, ...} for joining.
   */
  static Dataset<Row> categoryCounts(Dataset<Row> traces, String categoryTag, Column... keys) {
    Column category = col(TraceColumns.TAGS).getItem(categoryTag);
    Column[] withCategory = new Column[keys.length + 1];
    Column[] renamed = new Column[keys.length];
    for (int i = 0; i < keys.length; i++) {
      withCategory[i] = keys[i].as("_k" + i);
      renamed[i] = col("_k" + i);
    }
    withCategory[keys.length] = category.as("_category");
    return traces.where(category.isNotNull())
        .groupBy(withCategory)
        .agg(count(lit(1)).as("_n"))
        .groupBy(renamed)
        .agg(map_from_entries(collect_list(struct(col("_category"), col("_n")))).as("categories"));
  }
}
