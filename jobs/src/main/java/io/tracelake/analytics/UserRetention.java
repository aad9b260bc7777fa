package io.tracelake.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.trunc;

import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code user_retention}: weekly cohorts of users and the share of each that came back in each later week, per
 * environment and for all together ({@link ActiveUsers#ALL}). Weeks are ISO weeks in UTC, named by their Monday.
 * Computed from {@code version_breakdown}'s per-day user sets, like {@link ActiveUsers}.
 */
public final class UserRetention {

  private static final String DATE = DailyUserActivity.DATE;
  private static final String ENV = TraceColumns.ENVIRONMENT;
  private static final String USER = TraceColumns.USER_ID;
  private static final String COHORT = "cohort_week";
  private static final String OFFSET = "week_offset";

  private UserRetention() {}

  /**
   * Input: {@code version_breakdown} rows (all dates). Grain: one row per ({@code cohort_week}, {@code week_offset},
   * {@code environment}): the cohort is the users whose first trace in that scope fell in the week starting on
   * {@code cohort_week}; offsets run from 0 to the scope's last week with traces, weeks without returning users
   * included (0). Output: {@code cohort_users, retained_users} (cohort users with a trace in week
   * {@code cohort_week + 7 × week_offset} days), {@code retention_rate} ({@code retained_users / cohort_users}).
   */
  public static Dataset<Row> weekly(Dataset<Row> versionBreakdown) {
    Dataset<Row> presence = ActiveUsers.presence(versionBreakdown);
    Dataset<Row> weeks = presence.select(col(ENV), col(USER), monday(col(DATE)).as("_week")).distinct();
    Dataset<Row> cohorts = weeks.groupBy(col(ENV).as("_scope"), col(USER).as("_user"))
        .agg(min(col("_week")).as(COHORT));
    Dataset<Row> retained = weeks
        .join(cohorts, col(ENV).eqNullSafe(col("_scope")).and(col(USER).equalTo(col("_user"))))
        .groupBy(col(ENV).as("_scope"), col(COHORT).as("_cohort"),
            weekOffset(col("_week"), col(COHORT)).as("_offset"))
        .agg(count(lit(1)).as("retained_users"));
    Dataset<Row> lastWeeks = ActiveUsers.scopeDays(versionBreakdown).groupBy(col(ENV).as("_last_scope"))
        .agg(monday(max(col(DATE))).as("_last"));
    Dataset<Row> grid = cohorts.groupBy(col("_scope").as(ENV), col(COHORT)).agg(count(lit(1)).as("cohort_users"))
        .join(lastWeeks, col(ENV).eqNullSafe(col("_last_scope")))
        .select(col(ENV), col(COHORT), col("cohort_users"),
            explode(sequence(lit(0), weekOffset(col("_last"), col(COHORT)))).as(OFFSET));
    Column retainedUsers = coalesce(col("retained_users"), lit(0L));
    return grid.join(retained, col(ENV).eqNullSafe(col("_scope")).and(col(COHORT).equalTo(col("_cohort")))
            .and(col(OFFSET).equalTo(col("_offset"))), "left")
        .select(col(COHORT), col(OFFSET), col(ENV), col("cohort_users"), retainedUsers.as("retained_users"),
            retainedUsers.cast("double").divide(col("cohort_users")).as("retention_rate"));
  }

  /** The Monday of a date's ISO week. */
  private static Column monday(Column date) {
    return trunc(date, "week");
  }

  private static Column weekOffset(Column week, Column cohortWeek) {
    return datediff(week, cohortWeek).divide(7).cast("int");
  }
}
