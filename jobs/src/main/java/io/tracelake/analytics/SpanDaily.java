package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code span_daily}: what the spans of each day did, per release and per kind of call, for the tool-call and
 * model-latency charts MLflow's UI draws.
 */
public final class SpanDaily {

  private SpanDaily() {}

  /**
   * Input: {@code spans} rows and the {@code traces} rows they belong to (their release columns). Grain: one row per
   * ({@code activity_date} = the trace's request date, {@code app_version}, {@code environment}, {@code span_type},
   * {@code name}, {@code model}); nulls are groups of their own. Output: {@code calls, traces} (distinct), {@code
   * errors} (status ERROR), {@code error_rate}, {@code p50_duration_ms, p95_duration_ms} (exact, linearly interpolated
   * as pandas' {@code quantile}, over spans with both times), {@code input_tokens, output_tokens, total_tokens, cost}
   * (sums over the spans that carry them; null when none does).
   */
  public static Dataset<Row> compute(Dataset<Row> spans, Dataset<Row> traces) {
    Dataset<Row> release = traces.select(col(TraceColumns.TRACE_ID).as("_t_id"),
        col(TraceColumns.REQUEST_DATE).as("_t_date"), col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT));
    return spans.join(release, col(TraceColumns.TRACE_ID).equalTo(col("_t_id"))
            .and(col(TraceColumns.REQUEST_DATE).equalTo(col("_t_date"))))
        .groupBy(col(TraceColumns.REQUEST_DATE).as(DailyUserActivity.DATE), col(TraceColumns.APP_VERSION),
            col(TraceColumns.ENVIRONMENT), col(SpanColumns.SPAN_TYPE), col(SpanColumns.NAME), col(SpanColumns.MODEL))
        .agg(count(lit(1)).as("calls"),
            countDistinct(col(TraceColumns.TRACE_ID)).as("traces"),
            count(when(col(SpanColumns.STATUS_CODE).equalTo("ERROR"), 1)).as("errors"),
            percentile(col(SpanColumns.DURATION_MS), lit(0.5)).as("p50_duration_ms"),
            percentile(col(SpanColumns.DURATION_MS), lit(0.95)).as("p95_duration_ms"),
            sum(col(SpanColumns.INPUT_TOKENS)).as("input_tokens"),
            sum(col(SpanColumns.OUTPUT_TOKENS)).as("output_tokens"),
            sum(col(SpanColumns.TOTAL_TOKENS)).as("total_tokens"),
            sum(col(SpanColumns.COST)).as("cost"))
        .withColumn("error_rate", col("errors").divide(col("calls")));
  }
}
