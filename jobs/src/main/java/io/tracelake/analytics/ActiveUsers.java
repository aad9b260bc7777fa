package io.tracelake.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code active_users}: daily, weekly and monthly active users, new and returning users, per environment and for all
 * environments together ({@link #ALL}). Computed from {@code version_breakdown}'s per-day user sets (a few rows a
 * day), never from the traces, so the table is rewritten whole on each run at the cost of the release summaries.
 *
 * <p>A trace without a user never counts as a user; it counts in {@code anonymous_traces}. Each environment is a scope
 * of its own: a user's first trace in staging makes them new in staging, and again new in production on the day of
 * their first trace there. A null environment is a scope too (shown as null).
 */
public final class ActiveUsers {

  /** The environment value of the rows that count all environments together. */
  public static final String ALL = "ALL";
  /** The days a weekly and a monthly window span, the day itself included. */
  static final int WEEK_DAYS = 7;
  static final int MONTH_DAYS = 28;

  private static final String DATE = DailyUserActivity.DATE;
  private static final String ENV = TraceColumns.ENVIRONMENT;
  private static final String USER = TraceColumns.USER_ID;
  private static final String ANONYMOUS = TraceStats.ANONYMOUS_TRACES;

  private ActiveUsers() {}

  /**
   * Input: {@code version_breakdown} rows (all dates). Grain: one row per ({@code activity_date},
   * {@code environment}), every date from the scope's first to its last date with traces (days without traces
   * included: their {@code dau} is 0, their {@code wau} and {@code mau} need not be). Output: {@code dau, wau, mau,
   * new_users, returning_users, stickiness, anonymous_traces}.
   */
  public static Dataset<Row> daily(Dataset<Row> versionBreakdown) {
    Dataset<Row> presence = presence(versionBreakdown);
    Dataset<Row> days = scopeDays(versionBreakdown);
    Dataset<Row> dau = presence.groupBy(col(ENV), col(DATE)).agg(count(lit(1)).as("dau"));
    Dataset<Row> newUsers = presence.groupBy(col(ENV), col(USER)).agg(min(col(DATE)).as(DATE))
        .groupBy(col(ENV), col(DATE)).agg(count(lit(1)).as("new_users"));
    // Each active day of a user counts them in the windows of the next 27 days: keep, per user and window day, how
    // many days back their latest trace was, then count the users within 7 and within 28 days.
    Dataset<Row> windows = presence
        .select(col(ENV), col(USER), col(DATE).as("_active"),
            explode(sequence(col(DATE), date_add(col(DATE), MONTH_DAYS - 1))).as(DATE))
        .groupBy(col(ENV), col(DATE), col(USER)).agg(min(datediff(col(DATE), col("_active"))).as("_back"))
        .groupBy(col(ENV), col(DATE)).agg(
            sum(when(col("_back").lt(WEEK_DAYS), 1L).otherwise(0L)).as("wau"), count(lit(1)).as("mau"));
    Dataset<Row> joined = days;
    for (Dataset<Row> figures : java.util.List.of(dau, newUsers, windows)) {
      joined = leftJoinOnScopeAndDate(joined, figures);
    }
    Column dauCount = coalesce(col("dau"), lit(0L));
    Column mauCount = coalesce(col("mau"), lit(0L));
    return joined.select(col(DATE), col(ENV), dauCount.as("dau"), coalesce(col("wau"), lit(0L)).as("wau"),
        mauCount.as("mau"), coalesce(col("new_users"), lit(0L)).as("new_users"),
        dauCount.minus(coalesce(col("new_users"), lit(0L))).as("returning_users"),
        when(mauCount.gt(0), dauCount.cast("double").divide(mauCount)).as("stickiness"),
        col(ANONYMOUS));
  }

  /**
   * {@code left} with the other columns of {@code right} where both have the same environment (null-safe) and date;
   * the two may come from one input (their key columns are renamed apart first, so Spark sees no self-join).
   */
  static Dataset<Row> leftJoinOnScopeAndDate(Dataset<Row> left, Dataset<Row> right) {
    Dataset<Row> renamed = right.withColumnRenamed(ENV, "_scope").withColumnRenamed(DATE, "_date");
    return left.join(renamed, col(ENV).eqNullSafe(col("_scope")).and(col(DATE).equalTo(col("_date"))), "left")
        .drop("_scope", "_date");
  }

  /**
   * One row per ({@code activity_date}, {@code environment}, {@code user_id}) a user had a trace on, for each
   * environment and again with {@code environment = 'ALL'}.
   */
  static Dataset<Row> presence(Dataset<Row> versionBreakdown) {
    Dataset<Row> perEnvironment = versionBreakdown.select(col(DATE), col(ENV),
        explode(col(TraceStats.USER_IDS)).as(USER));
    return perEnvironment.union(perEnvironment.select(col(DATE), lit(ALL).as(ENV), col(USER))).distinct();
  }

  /**
   * Every date from each scope's first to its last date with traces: {@code activity_date, environment,
   * anonymous_traces} (0 on a date without traces).
   */
  static Dataset<Row> scopeDays(Dataset<Row> versionBreakdown) {
    Dataset<Row> perEnvironment = versionBreakdown.select(col(DATE), col(ENV), col(ANONYMOUS));
    Dataset<Row> perScope = perEnvironment.union(perEnvironment.select(col(DATE), lit(ALL).as(ENV), col(ANONYMOUS)))
        .groupBy(col(ENV), col(DATE)).agg(sum(col(ANONYMOUS)).as(ANONYMOUS));
    Dataset<Row> calendar = perScope.groupBy(col(ENV)).agg(min(col(DATE)).as("_from"), max(col(DATE)).as("_to"))
        .select(col(ENV), explode(sequence(col("_from"), col("_to"))).as(DATE));
    return leftJoinOnScopeAndDate(calendar, perScope)
        .withColumn(ANONYMOUS, coalesce(col(ANONYMOUS), lit(0L)));
  }
}
