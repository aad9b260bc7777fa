package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import java.sql.Date;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Each trace's cost, in one place: {@code cost_usd} is the cost the trace records (MLflow's trace cost, else the sum
 * of its spans' costs: {@code cost_source} {@code trace} or {@code spans}), else its LLM spans' tokens at the
 * configured prices ({@code prices}: for each span with token usage, the price of its model in force on the trace's
 * request date). When a span's model has no price (or the span names no model, or the trace reports tokens but no
 * span does), the cost is unknown: null, {@code cost_source} {@code unpriced} and {@code unpriced_models} naming
 * what is missing ({@value #NO_MODEL} for a span without a model) — never a 0 that looks like a cost. A trace with no
 * cost and no token usage has none of the three, and neither has a trace still in progress: its cost is not known
 * until it ends (the finished version, delivered again, brings it).
 */
public final class TraceCosts {

  /** How {@code unpriced_models} names token usage that no model is named for. */
  public static final String NO_MODEL = "(no model)";
  private static final double PER_MILLION = 1_000_000.0;

  private TraceCosts() {}

  /**
   * Input: {@link io.tracelake.schema.TraceSchemas#PARSED_TRACE} rows. Grain: unchanged. Output: the input with
   * {@code cost_usd}, {@code cost_source} and {@code unpriced_models} added.
   */
  public static Dataset<Row> withCosts(Dataset<Row> parsed, List<TracelakeConfig.Price> prices) {
    Column usage = col(TraceColumns.LLM_USAGE);
    Column date = col(TraceColumns.REQUEST_DATE);
    Column unpriced = array_sort(array_distinct(transform(filter(usage, u -> costOf(u, date, prices).isNull()),
        u -> coalesce(u.getField("model"), lit(NO_MODEL)))));
    Column priced = aggregate(usage, lit(0.0), (sum, u) -> sum.plus(costOf(u, date, prices)));
    Column finished = col(TraceColumns.STATE).notEqual(lit(TraceColumns.STATE_IN_PROGRESS));
    Column recorded = finished.and(col(TraceColumns.RECORDED_COST_SOURCE).isNotNull());
    Column hasUsage = finished.and(size(usage).gt(0));
    Column tokensWithoutSpans = finished.and(size(usage).equalTo(0)).and(col(TraceColumns.TOTAL_TOKENS).gt(0));
    Column allPriced = hasUsage.and(size(unpriced).equalTo(0));
    return parsed
        .withColumn(TraceColumns.COST_USD, when(recorded, col(TraceColumns.RECORDED_COST_USD))
            .when(allPriced, priced))
        .withColumn(TraceColumns.COST_SOURCE, when(recorded, col(TraceColumns.RECORDED_COST_SOURCE))
            .when(allPriced, lit(TraceColumns.COST_FROM_PRICES))
            .when(hasUsage.or(tokensWithoutSpans), lit(TraceColumns.COST_UNPRICED)))
        .withColumn(TraceColumns.UNPRICED_MODELS, when(recorded, lit(null).cast("array<string>"))
            .when(hasUsage.and(size(unpriced).gt(0)), unpriced)
            .when(tokensWithoutSpans, array(lit(NO_MODEL))));
  }

  /**
   * One span's cost at the price of its model in force on {@code date} (the entry with the latest {@code from} not
   * after it); null when there is none.
   */
  private static Column costOf(Column usage, Column date, List<TracelakeConfig.Price> prices) {
    Column model = usage.getField("model");
    Column inputTokens = usage.getField("input_tokens").cast("double");
    Column outputTokens = usage.getField("output_tokens").cast("double");
    List<TracelakeConfig.Price> newestFirst = prices.stream()
        .sorted(Comparator.comparing(TracelakeConfig.Price::fromDate).reversed()).toList();
    Column cost = null;  // one CASE, newest entry first
    for (TracelakeConfig.Price p : newestFirst) {
      Column applies = model.equalTo(lit(p.model())).and(date.geq(lit(Date.valueOf(p.fromDate()))));
      Column value = inputTokens.multiply(p.inputPerMillionUsd()).divide(PER_MILLION)
          .plus(outputTokens.multiply(p.outputPerMillionUsd()).divide(PER_MILLION));
      cost = cost == null ? when(applies, value) : cost.when(applies, value);
    }
    return cost == null ? lit(null).cast("double") : cost;
  }
}
