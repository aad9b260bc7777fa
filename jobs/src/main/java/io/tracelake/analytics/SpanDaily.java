package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code span_daily}: what the spans of each day did, per release and per kind of call, for the tool-call and
 * model-latency charts MLflow's UI draws.
 */
public final class SpanDaily {

  /** The grain: a day's calls of one name, kind and model in one release. */
  private static final List<String> GROUP = List.of(DailyUserActivity.DATE, TraceColumns.APP_VERSION,
      TraceColumns.ENVIRONMENT, SpanColumns.SPAN_TYPE, SpanColumns.NAME, SpanColumns.MODEL);

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
    Dataset<Row> joined = spans.join(release, col(TraceColumns.TRACE_ID).equalTo(col("_t_id"))
            .and(col(TraceColumns.REQUEST_DATE).equalTo(col("_t_date"))))
        .withColumnRenamed(TraceColumns.REQUEST_DATE, DailyUserActivity.DATE);
    // Calls, errors and sums per trace first, then per group: each trace is then one row of the first step, which
    // counts the distinct traces without the row-doubling Expand of a countDistinct beside other aggregates.
    Dataset<Row> perTrace = joined.groupBy(with(GROUP, TraceColumns.TRACE_ID))
        .agg(count(lit(1)).as("calls"),
            count(when(col(SpanColumns.STATUS_CODE).equalTo("ERROR"), 1)).as("errors"),
            sum(col(SpanColumns.INPUT_TOKENS)).as(SpanColumns.INPUT_TOKENS),
            sum(col(SpanColumns.OUTPUT_TOKENS)).as(SpanColumns.OUTPUT_TOKENS),
            sum(col(SpanColumns.TOTAL_TOKENS)).as(SpanColumns.TOTAL_TOKENS),
            sum(col(SpanColumns.COST)).as(SpanColumns.COST));
    Dataset<Row> totals = perTrace.groupBy(columns(GROUP))
        .agg(sum(col("calls")).as("calls"),
            count(lit(1)).as("traces"),
            sum(col("errors")).as("errors"),
            sum(col(SpanColumns.INPUT_TOKENS)).as("input_tokens"),
            sum(col(SpanColumns.OUTPUT_TOKENS)).as("output_tokens"),
            sum(col(SpanColumns.TOTAL_TOKENS)).as("total_tokens"),
            sum(col(SpanColumns.COST)).as("cost"));
    // Exact percentiles from a duration → spans histogram: Spark's percentile, which keeps every distinct value of a
    // group, then reads one row per distinct duration instead of one per span.
    Dataset<Row> percentiles = joined.where(col(SpanColumns.DURATION_MS).isNotNull())
        .groupBy(with(GROUP, SpanColumns.DURATION_MS)).agg(count(lit(1)).as("_spans"))
        .groupBy(columns(GROUP))
        .agg(expr("percentile(" + SpanColumns.DURATION_MS + ", 0.5, _spans)").as("p50_duration_ms"),
            expr("percentile(" + SpanColumns.DURATION_MS + ", 0.95, _spans)").as("p95_duration_ms"));
    Column sameGroup = lit(true);
    Column[] renamed = new Column[GROUP.size() + 2];
    for (int i = 0; i < GROUP.size(); i++) {
      renamed[i] = col(GROUP.get(i)).as("_g" + i);
      sameGroup = sameGroup.and(col(GROUP.get(i)).eqNullSafe(col("_g" + i)));
    }
    renamed[GROUP.size()] = col("p50_duration_ms");
    renamed[GROUP.size() + 1] = col("p95_duration_ms");
    return totals.join(percentiles.select(renamed), sameGroup, "left")
        .select(with(GROUP, "calls", "traces", "errors", "p50_duration_ms", "p95_duration_ms", "input_tokens",
            "output_tokens", "total_tokens", "cost"))
        .withColumn("error_rate", col("errors").divide(col("calls")));
  }

  /** The group keys, then these columns. */
  private static Column[] with(List<String> keys, String... more) {
    List<String> all = new ArrayList<>(keys);
    all.addAll(List.of(more));
    return columns(all);
  }

  private static Column[] columns(List<String> names) {
    return names.stream().map(n -> col(n)).toArray(Column[]::new);
  }
}
