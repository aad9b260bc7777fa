package io.tracelake.ingest.mlflow;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Each trace's cost, in one place, decided in the parse task: {@code cost_usd} is the cost the trace records (MLflow's
 * trace cost, else the sum of its spans' costs: {@code cost_source} {@code trace} or {@code spans}), else its LLM
 * spans' tokens at the configured prices (config {@code cost.prices}: for each span with token usage, the price of its
 * model in force on the trace's UTC request date). When a span's model has no price (or the span names no model, or
 * the trace reports tokens but no span does), the cost is unknown: null, {@code cost_source} {@code unpriced} and
 * {@code unpriced_models} naming what is missing ({@value #NO_MODEL} for a span without a model) — never a 0 that
 * looks like a cost. A trace with no cost and no token usage has none of the three, and neither has a trace still in
 * progress: its cost is not known until it ends (the finished version, delivered again, brings it).
 *
 * <p>Computed here in plain Java rather than as Spark expressions over the usage array: Spark evaluates
 * higher-order functions ({@code transform}, {@code aggregate}) without code generation, and they cost the
 * {@code traces} write about a third of its time (measured, docs/benchmarks.md).
 */
public final class TraceCost {

  /** How {@code unpriced_models} names token usage that no model is named for. */
  public static final String NO_MODEL = "(no model)";
  private static final double PER_MILLION = 1_000_000.0;

  private TraceCost() {}

  /** The configured prices, newest entry first, in a form a parse task carries. */
  public static final class Prices implements Serializable {

    /** No prices: costs only where traces record them. */
    public static final Prices NONE = new Prices(List.of());

    private final List<Entry> newestFirst;

    private record Entry(String model, LocalDate from, double inputPerMillion, double outputPerMillion)
        implements Serializable {}

    private Prices(List<Entry> newestFirst) {
      this.newestFirst = newestFirst;
    }

    public static Prices of(List<TracelakeConfig.Price> prices) {
      return new Prices(prices.stream()
          .map(p -> new Entry(p.model(), p.fromDate(), p.inputPerMillionUsd(), p.outputPerMillionUsd()))
          .sorted(Comparator.comparing(Entry::from).reversed())
          .toList());
    }

    /** One span's cost at the price of its model in force on {@code date}; null when none is. */
    Double costOf(ModelUsage usage, LocalDate date) {
      if (usage.model() == null) {
        return null;
      }
      for (Entry e : newestFirst) {
        if (e.model().equals(usage.model()) && !date.isBefore(e.from())) {
          return (double) usage.inputTokens() * e.inputPerMillion() / PER_MILLION
              + (double) usage.outputTokens() * e.outputPerMillion() / PER_MILLION;
        }
      }
      return null;
    }
  }

  /** Sets {@code cost_usd}, {@code cost_source} and {@code unpriced_models} of an assembled trace. */
  static void apply(ParsedTrace t, LocalDate requestDate, Prices prices) {
    t.costUsd = null;
    t.costSource = null;
    t.unpricedModels = null;
    if (t.state == null || t.state.equals(TraceColumns.STATE_IN_PROGRESS)) {
      return;
    }
    if (t.recordedCostSource != null) {
      t.costUsd = t.recordedCostUsd;
      t.costSource = t.recordedCostSource;
      return;
    }
    if (t.llmUsage.isEmpty()) {
      if (t.totalTokens != null && t.totalTokens > 0) {
        t.costSource = TraceColumns.COST_UNPRICED;
        t.unpricedModels = List.of(NO_MODEL);
      }
      return;
    }
    double sum = 0.0;
    TreeSet<String> unpriced = new TreeSet<>(TraceCost::utf8Order);
    for (ModelUsage u : t.llmUsage) {
      Double cost = prices.costOf(u, requestDate);
      if (cost == null) {
        unpriced.add(u.model() == null ? NO_MODEL : u.model());
      } else {
        sum += cost;
      }
    }
    if (unpriced.isEmpty()) {
      t.costUsd = sum;
      t.costSource = TraceColumns.COST_FROM_PRICES;
    } else {
      t.costSource = TraceColumns.COST_UNPRICED;
      t.unpricedModels = new ArrayList<>(unpriced);
    }
  }

  /** Spark's string order (bytes of UTF-8, unsigned), so that the names sort as a query over the table sorts them. */
  private static int utf8Order(String a, String b) {
    return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
