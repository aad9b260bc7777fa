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
 * The summaries are merged from the daily table ({@link DailyRollups}), so an incremental run never re-reads the
 * traces of other days for them.
 */
public final class VersionBreakdowns {

  private static final List<String> VERSION_KEYS = List.of(TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT);
  private static final List<String> ENVIRONMENT_KEYS = List.of(TraceColumns.ENVIRONMENT);

  private VersionBreakdowns() {}

  /**
   * Input: {@code traces} rows. Grain: one row per ({@code activity_date}, {@code app_version}, {@code environment}).
   * Output: {@code interactions, distinct_users, sessions, error_count, error_rate, avg/p50/p95_duration_ms}, tokens,
   * {@code first_request_time, last_request_time}, and the parts the summaries are merged from:
   * {@code duration_count, duration_sum_ms, durations_ms} (sorted), {@code user_ids, session_ids} (sorted), and
   * {@code anonymous_traces} (the traces without a user, for {@link ActiveUsers}).
   */
  public static Dataset<Row> daily(Dataset<Row> traces) {
    List<Column> aggs = new ArrayList<>();
    aggs.add(TraceStats.interactions());
    aggs.add(TraceStats.distinctUsers());
    aggs.add(TraceStats.sessions());
    aggs.addAll(TraceStats.commonAfterInteractions(true));
    aggs.addAll(TraceStats.timeSpan("first_request_time", "last_request_time"));
    aggs.addAll(TraceStats.durationParts());
    aggs.add(TraceStats.userIds());
    aggs.add(TraceStats.sessionIds());
    aggs.add(TraceStats.anonymousTraces());
    aggs.addAll(TraceStats.cost());
    return TraceStats.aggregate(traces.withColumn(DailyUserActivity.DATE, col(TraceColumns.REQUEST_DATE))
        .groupBy(col(DailyUserActivity.DATE), col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT)), aggs);
  }

  /**
   * Input: {@code traces} rows, for each (version, environment) all of its traces. Grain: one row per
   * ({@code app_version}, {@code environment}). Output: {@code first_seen, last_seen} and the daily table's figures.
   */
  public static Dataset<Row> versionSummary(Dataset<Row> traces) {
    return versionSummaryFromDaily(daily(traces));
  }

  /** As {@link #versionSummary} with one row per {@code environment}. */
  public static Dataset<Row> environmentSummary(Dataset<Row> traces) {
    return environmentSummaryFromDaily(daily(traces));
  }

  /**
   * {@code version_breakdown} rows merged into one row per ({@code app_version}, {@code environment}) with the same
   * parts, which {@link #versionSummaryFromDaily} and {@link #environmentSummaryFromDaily} take like daily rows: both
   * summaries can share this one pass over the daily table.
   */
  public static Dataset<Row> mergedPerVersion(Dataset<Row> daily) {
    Column[] groupBy = VERSION_KEYS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    return TraceStats.aggregate(daily.groupBy(groupBy),
        DailyRollups.mergedParts(List.of(TraceStats.USER_IDS, TraceStats.SESSION_IDS)));
  }

  /**
   * {@link #versionSummary} from {@code version_breakdown} rows (for each key, all of its dates), or from
   * {@link #mergedPerVersion} rows.
   */
  public static Dataset<Row> versionSummaryFromDaily(Dataset<Row> daily) {
    return summary(daily, VERSION_KEYS);
  }

  /** {@link #environmentSummary} from {@code version_breakdown} rows, or from {@link #mergedPerVersion} rows. */
  public static Dataset<Row> environmentSummaryFromDaily(Dataset<Row> daily) {
    return summary(daily, ENVIRONMENT_KEYS);
  }

  /**
   * {@code version_breakdown} rows (or {@link #mergedPerVersion} rows) merged into one row per value of {@code keys}
   * (none: one row for everything): {@code first_seen, last_seen, interactions, distinct_users, sessions,
   * error_count, error_rate, avg/p50/p95_duration_ms}, tokens — exact, as if computed from the traces.
   */
  public static Dataset<Row> summaryFromDaily(Dataset<Row> daily, String... keys) {
    return summary(daily, List.of(keys));
  }

  private static Dataset<Row> summary(Dataset<Row> daily, List<String> keys) {
    List<Column> aggs = new ArrayList<>();
    aggs.addAll(DailyRollups.timeSpan("first_seen", "last_seen"));
    aggs.add(DailyRollups.interactions());
    aggs.add(DailyRollups.distinctCount(TraceStats.USER_IDS, "distinct_users"));
    aggs.add(DailyRollups.distinctCount(TraceStats.SESSION_IDS, "sessions"));
    aggs.addAll(DailyRollups.commonAfterInteractions(true));
    aggs.addAll(DailyRollups.cost());
    Column[] groupBy = keys.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    return TraceStats.aggregate(daily.groupBy(groupBy), aggs);
  }
}
