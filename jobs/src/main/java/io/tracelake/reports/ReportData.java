package io.tracelake.reports;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.analytics.ActiveUsers;
import io.tracelake.analytics.AnalyticsTables;
import io.tracelake.analytics.DailyUserActivity;
import io.tracelake.analytics.FeedbackDaily;
import io.tracelake.analytics.SessionPaths;
import io.tracelake.analytics.SessionSummaries;
import io.tracelake.analytics.SessionTurns;
import io.tracelake.analytics.TraceStats;
import io.tracelake.analytics.UserRetention;
import io.tracelake.analytics.UserSummary;
import io.tracelake.analytics.VersionBreakdowns;
import io.tracelake.schema.QuarantineColumns;
import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The figures of the HTML report, each a small collected result.
 *
 * <p>Without a filter every figure comes from the analytics tables, restricted to the date range: the summaries are
 * merged from the daily rows with the same code that writes {@code version_summary} (so over all dates they equal
 * that table). With a filter, the daily tables are first computed over the matching traces by the analytics job's own
 * transformations (feedback from {@code feedback_daily}, or the same rows over the matching traces), and the
 * quarantine from {@code traces_quarantine} (all runs: a quarantined record has no trusted date).
 *
 * @param overall one row: interactions, distinct_users, sessions, error_rate, p50/p95_duration_ms, tokens
 * @param perDay per {@code activity_date}: the same figures (distinct_users is the day's active users)
 * @param perVersion per {@code app_version}: interactions, distinct_users (the tutorial's release breakdown)
 * @param perEnvironment per {@code environment}: interactions
 * @param perRelease per ({@code app_version, environment}): the figures of {@code version_summary}
 * @param releaseDays per ({@code activity_date, app_version, environment}): p95_duration_ms, error_rate
 * @param busiestUsers the ten users with the most interactions: user_id, interactions, sessions, error_rate,
 *     top_category
 * @param turnsPerSession {@code turns} (10 standing for 10 or more), {@code sessions}
 * @param gaps idle-gap bucket ({@code bucket} index, {@code label}) and {@code turns} in it
 * @param feedback per ({@code app_version, name}): the feedback of that name that counts ({@code assessments}, of
 *     them {@code negative}), the share of {@code true} among boolean values and the mean of numeric ones
 * @param quarantine per {@code reason}: records
 * @param spanTypes per {@code span_type} (from {@code spans}, exact over the range): calls, traces, error_rate,
 *     p50/p95_duration_ms, total_tokens, cost; null when the warehouse has no spans table
 * @param models per {@code model}, the same figures over the spans that name a model; null without spans
 * @param activeUsers per {@code activity_date} in range, all environments together: {@code active_users}' figures
 *     (windows reach back before the range: a date's {@code mau} counts its 28 days whatever the range)
 * @param retention per ({@code cohort_week}, {@code week_offset}) for the cohorts whose week starts in range, all
 *     environments together: {@code cohort_users, retained_users, retention_rate}
 * @param activeUsersPerEnvironment per ({@code activity_date}, {@code environment}) in range, each environment
 *     apart (null: traces without one): {@code dau, mau}
 * @param paths the commonest session paths of the sessions that start in range, all releases together:
 *     {@code session_paths}' figures; null when the sessions predate paths
 * @param dropoff per {@code turn} up to {@link #DROPOFF_TURNS}, over the same sessions: {@code turn_dropoff}'s
 *     figures; null as {@code paths}
 * @param newestReleases {@code release-compare} of the two versions whose first trace in range is the latest (all
 *     environments, the traces in range and filter); null with fewer than two versions
 * @param costliestUsers the {@link #TOP_COST_USERS} users with the highest known cost: user_id, cost_usd,
 *     costed_traces, interactions, sessions
 */
public record ReportData(Row overall, List<Row> perDay, List<Row> perVersion, List<Row> perEnvironment,
    List<Row> perRelease, List<Row> releaseDays, List<Row> busiestUsers, List<Row> turnsPerSession, List<Row> gaps,
    List<Row> feedback, List<Row> quarantine, List<Row> spanTypes, List<Row> models, List<Row> activeUsers,
    List<Row> retention, List<Row> activeUsersPerEnvironment, List<Row> paths, List<Row> dropoff,
    ReleaseComparison.Result newestReleases, List<Row> costliestUsers) {

  /** How many of the commonest session paths the report lists, and the last turn its drop-off chart shows. */
  static final int TOP_PATHS = 10;
  /** How many users the report lists by cost. */
  static final int TOP_COST_USERS = 20;
  static final int DROPOFF_TURNS = 20;
  /** No grouping columns: the paths and the drop-off of all releases together. */
  private static final Column[] ALL_RELEASES = {};

  /** Gap buckets: upper bounds in ms (exclusive) and labels; a negative gap (overlapping turns) is its own. */
  static final long[] GAP_BOUNDS = {0, 10_000, 30_000, 60_000, 120_000, 300_000, 900_000, 3_600_000};
  static final String[] GAP_LABELS = {"overlap", "< 10 s", "10–30 s", "30 s–1 min", "1–2 min", "2–5 min",
      "5–15 min", "15–60 min", "> 1 h"};

  /**
   * Reads the figures of {@code warehouse} for request dates in [{@code from}, {@code to}] (either may be null), over
   * the traces matching {@code filter} (null: the analytics tables as they are).
   */
  public static ReportData read(Warehouse warehouse, LocalDate from, LocalDate to, Column filter, String categoryTag) {
    Dataset<Row> traces = withCost(inRange(warehouse.read(TableNames.TRACES), TraceColumns.REQUEST_DATE, from, to));
    Dataset<Row> daily;
    Dataset<Row> users;
    Dataset<Row> turns;
    Dataset<Row> sessions;
    if (filter == null) {
      daily = withCost(inRange(warehouse.read(AnalyticsTables.VERSION_BREAKDOWN), DailyUserActivity.DATE, from, to));
      users = withCost(inRange(warehouse.read(AnalyticsTables.DAILY_USER_ACTIVITY), DailyUserActivity.DATE, from,
          to));
      turns = inRange(warehouse.read(AnalyticsTables.SESSION_TURNS), TraceColumns.REQUEST_DATE, from, to);
      sessions = withCost(inRange(warehouse.read(AnalyticsTables.SESSIONS), SessionSummaries.SESSION_DATE, from,
          to));
    } else {
      traces = traces.where(filter).cache();
      daily = VersionBreakdowns.daily(traces).cache();
      users = DailyUserActivity.compute(traces, categoryTag);
      turns = SessionTurns.compute(traces).cache();
      sessions = SessionSummaries.compute(turns);
    }
    // Active users and retention look back before the range (28-day windows, first-ever traces): over all dates of
    // the tables, or of the matching traces, then restricted to the range.
    Dataset<Row> activeUsers;
    Dataset<Row> retention;
    if (filter == null) {
      activeUsers = warehouse.read(AnalyticsTables.ACTIVE_USERS);
      retention = warehouse.read(AnalyticsTables.USER_RETENTION);
    } else {
      Dataset<Row> allDays = VersionBreakdowns.daily(warehouse.read(TableNames.TRACES).where(filter)).cache();
      activeUsers = ActiveUsers.daily(allDays);
      retention = UserRetention.weekly(allDays);
    }
    // A warehouse whose sessions predate paths gets them with its next analytics run; until then, none are shown.
    boolean hasPaths = List.of(sessions.columns()).contains(SessionSummaries.PATH);
    Column everywhere = col(TraceColumns.ENVIRONMENT).equalTo(ActiveUsers.ALL);
    Column byDate = col(DailyUserActivity.DATE);
    return new ReportData(
        VersionBreakdowns.summaryFromDaily(daily).first(),
        VersionBreakdowns.summaryFromDaily(daily, DailyUserActivity.DATE).orderBy(byDate).collectAsList(),
        VersionBreakdowns.summaryFromDaily(daily, TraceColumns.APP_VERSION)
            .orderBy(col(TraceColumns.APP_VERSION).asc_nulls_last()).collectAsList(),
        VersionBreakdowns.summaryFromDaily(daily, TraceColumns.ENVIRONMENT)
            .orderBy(col(TraceColumns.ENVIRONMENT).asc_nulls_last()).collectAsList(),
        VersionBreakdowns.summaryFromDaily(daily, TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT)
            .orderBy(col(TraceColumns.APP_VERSION).asc_nulls_last(), col(TraceColumns.ENVIRONMENT).asc_nulls_last())
            .collectAsList(),
        daily.select(byDate, col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT), col("p95_duration_ms"),
            col("error_rate")).orderBy(byDate).collectAsList(),
        UserSummary.fromDaily(users.where(col(TraceColumns.USER_ID).isNotNull()))
            .orderBy(col("interactions").desc(), col(TraceColumns.USER_ID)).limit(10)
            .select(TraceColumns.USER_ID, "interactions", "sessions", "error_rate", "top_category").collectAsList(),
        sessions.groupBy(when(col("turns").geq(10), 10).otherwise(col("turns")).as("turns"))
            .agg(count(lit(1)).as("sessions")).orderBy("turns").collectAsList(),
        gapBuckets(turns),
        feedback(filter == null && warehouse.exists(AnalyticsTables.FEEDBACK_DAILY)
            ? inRange(warehouse.read(AnalyticsTables.FEEDBACK_DAILY), DailyUserActivity.DATE, from, to)
            : FeedbackDaily.daily(traces)),
        warehouse.read(TableNames.QUARANTINE).groupBy(QuarantineColumns.REASON).agg(count(lit(1)).as("records"))
            .orderBy(col("records").desc(), col(QuarantineColumns.REASON)).collectAsList(),
        spanFigures(warehouse, traces, from, to, SpanColumns.SPAN_TYPE),
        spanFigures(warehouse, traces, from, to, SpanColumns.MODEL),
        inRange(activeUsers.where(everywhere), DailyUserActivity.DATE, from, to).orderBy(byDate).collectAsList(),
        inRange(retention.where(everywhere), "cohort_week", from, to).orderBy("cohort_week", "week_offset")
            .collectAsList(),
        inRange(activeUsers.where(not(everywhere).or(col(TraceColumns.ENVIRONMENT).isNull())), DailyUserActivity.DATE,
            from, to).select(byDate, col(TraceColumns.ENVIRONMENT), col("dau"), col("mau"))
            .orderBy(byDate, col(TraceColumns.ENVIRONMENT).asc_nulls_last()).collectAsList(),
        hasPaths ? SessionPaths.paths(sessions, ALL_RELEASES).orderBy(col("sessions").desc(), col(SessionSummaries.PATH))
            .limit(TOP_PATHS).collectAsList() : null,
        hasPaths ? SessionPaths.dropoff(sessions, ALL_RELEASES).where(col("turn").leq(DROPOFF_TURNS)).orderBy("turn")
            .collectAsList() : null,
        newestReleases(traces),
        UserSummary.fromDaily(users.where(col(TraceColumns.USER_ID).isNotNull()))
            .where(col(TraceStats.COST_USD).isNotNull())
            .orderBy(col(TraceStats.COST_USD).desc(), col(TraceColumns.USER_ID)).limit(TOP_COST_USERS)
            .select(TraceColumns.USER_ID, TraceStats.COST_USD, TraceStats.COSTED_TRACES, "interactions", "sessions")
            .collectAsList());
  }

  /**
   * A table written before cost was computed (its next ingest or analytics run adds the columns), with the cost
   * columns it will get: unknown cost, no costed traces.
   */
  static Dataset<Row> withCost(Dataset<Row> rows) {
    List<String> has = List.of(rows.columns());
    Dataset<Row> out = rows;
    if (!has.contains(TraceStats.COST_USD)) {
      out = out.withColumn(TraceStats.COST_USD, lit(null).cast("double"));
    }
    if (!has.contains(TraceStats.COSTED_TRACES)) {
      out = out.withColumn(TraceStats.COSTED_TRACES, lit(0L));
    }
    return out;
  }

  /**
   * Per value of a spans column (span_type or model), over the spans of the traces in range: calls, traces,
   * error_rate, exact p50/p95 duration, tokens, cost. Spans without a model are left out of the per-model figures.
   */
  private static List<Row> spanFigures(Warehouse warehouse, Dataset<Row> traces, LocalDate from, LocalDate to,
      String by) {
    if (!warehouse.exists(TableNames.SPANS)) {
      return null;
    }
    Dataset<Row> spans = inRange(warehouse.read(TableNames.SPANS), TraceColumns.REQUEST_DATE, from, to)
        .join(traces.select(col(TraceColumns.TRACE_ID).as("_t")), col(TraceColumns.TRACE_ID).equalTo(col("_t")),
            "left_semi");
    if (by.equals(SpanColumns.MODEL)) {
      spans = spans.where(col(by).isNotNull());
    }
    return spans.groupBy(col(by)).agg(count(lit(1)).as("calls"),
            countDistinct(col(TraceColumns.TRACE_ID)).as("traces"),
            avg(when(col(SpanColumns.STATUS_CODE).equalTo("ERROR"), 1.0).otherwise(0.0)).as("error_rate"),
            percentile(col(SpanColumns.DURATION_MS), lit(0.5)).as("p50_duration_ms"),
            percentile(col(SpanColumns.DURATION_MS), lit(0.95)).as("p95_duration_ms"),
            sum(col(SpanColumns.TOTAL_TOKENS)).as("total_tokens"), sum(col(SpanColumns.COST)).as("cost"))
        .orderBy(col("calls").desc(), col(by).asc_nulls_last()).collectAsList();
  }

  /**
   * The two app versions whose first trace in range is the latest, compared (the older one as baseline); null with
   * fewer than two versions.
   */
  private static ReleaseComparison.Result newestReleases(Dataset<Row> traces) {
    List<Row> newest = traces.where(col(TraceColumns.APP_VERSION).isNotNull()).groupBy(col(TraceColumns.APP_VERSION))
        .agg(min(col(TraceColumns.REQUEST_TIME)).as("_first"))
        .orderBy(col("_first").desc(), col(TraceColumns.APP_VERSION).desc()).limit(2).collectAsList();
    if (newest.size() < 2) {
      return null;
    }
    return ReleaseComparison.compare(traces, ReleaseComparison.Options.of(newest.get(1).getString(0),
        newest.get(0).getString(0), null));
  }

  private static Dataset<Row> inRange(Dataset<Row> table, String dateColumn, LocalDate from, LocalDate to) {
    Dataset<Row> out = table;
    if (from != null) {
      out = out.where(col(dateColumn).geq(lit(from)));
    }
    if (to != null) {
      out = out.where(col(dateColumn).leq(lit(to)));
    }
    return out;
  }

  private static List<Row> gapBuckets(Dataset<Row> turns) {
    Column gap = col("gap_ms");
    Column bucket = lit(GAP_BOUNDS.length);
    for (int i = GAP_BOUNDS.length - 1; i >= 0; i--) {
      bucket = when(gap.lt(GAP_BOUNDS[i]), i).otherwise(bucket);
    }
    return turns.where(gap.isNotNull()).groupBy(bucket.as("bucket")).agg(count(lit(1)).as("turns"))
        .orderBy("bucket").collectAsList();
  }

  /**
   * Per (app_version, feedback name), merged over {@code feedback_daily}'s rows (or the same rows computed over the
   * matching traces): feedback that counts, the share of {@code true} among boolean values, the mean of numbers.
   */
  private static List<Row> feedback(Dataset<Row> feedbackDaily) {
    Column numbers = sum(col("numeric_values"));
    Column booleans = sum(col("positive")).plus(sum(col("negative")));
    return feedbackDaily.groupBy(col(TraceColumns.APP_VERSION), col(FeedbackDaily.NAME).as("name"))
        .agg(sum(col("assessments")).as("assessments"), sum(col("negative")).as("negative"),
            when(booleans.gt(0), sum(col("positive")).divide(booleans)).as("positive_rate"),
            when(numbers.gt(0), sum(col("mean_value").multiply(col("numeric_values"))).divide(numbers)).as("mean"))
        .orderBy(col(TraceColumns.APP_VERSION).asc_nulls_last(), col("name")).collectAsList();
  }

}
