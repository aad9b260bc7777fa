package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;

import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The release tables: {@code version_breakdown} (per day), {@code version_summary} and {@code environment_summary}
 * (over all data). Null versions and environments are groups of their own (shown as null), so every trace counts.
 */
public final class VersionBreakdowns {

  private VersionBreakdowns() {}

  /**
   * Input: {@code traces} rows. Grain: one row per ({@code activity_date}, {@code app_version}, {@code environment}).
   * Output: {@code interactions, distinct_users, sessions, error_count, error_rate, avg/p50/p95_duration_ms}, tokens.
   */
  public static Dataset<Row> daily(Dataset<Row> traces) {
    return aggregate(traces.withColumn(DailyUserActivity.DATE, col(TraceColumns.REQUEST_DATE)),
        List.of(DailyUserActivity.DATE, TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT), false);
  }

  /**
   * Input: {@code traces} rows, for each (version, environment) all of its traces. Grain: one row per
   * ({@code app_version}, {@code environment}). Output: {@code first_seen, last_seen} and the daily table's figures.
   */
  public static Dataset<Row> versionSummary(Dataset<Row> traces) {
    return aggregate(traces, List.of(TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT), true);
  }

  /** As {@link #versionSummary} with one row per {@code environment}. */
  public static Dataset<Row> environmentSummary(Dataset<Row> traces) {
    return aggregate(traces, List.of(TraceColumns.ENVIRONMENT), true);
  }

  private static Dataset<Row> aggregate(Dataset<Row> traces, List<String> keys, boolean withTimeSpan) {
    List<Column> aggs = new ArrayList<>();
    if (withTimeSpan) {
      aggs.addAll(TraceStats.timeSpan("first_seen", "last_seen"));
    }
    aggs.add(TraceStats.interactions());
    aggs.add(TraceStats.distinctUsers());
    aggs.add(TraceStats.sessions());
    aggs.addAll(TraceStats.commonAfterInteractions(true));
    Column[] groupBy = keys.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    return TraceStats.aggregate(traces.groupBy(groupBy), aggs);
  }
}
