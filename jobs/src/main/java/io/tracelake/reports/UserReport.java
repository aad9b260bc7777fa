package io.tracelake.reports;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.tracelake.analytics.TraceStats;
import io.tracelake.schema.TraceColumns;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The per-user activity report of MLflow's user-tracking tutorial, computed on the {@code traces} table: traces of
 * one user with {@code request_time > asOf - days}; total interactions, unique (non-empty) sessions, traces per UTC
 * date, value counts of the category tag, mean duration over traces that have one, share of ERROR traces.
 */
public record UserReport(String userId, int days, Instant asOf, long interactions, long sessions,
    Map<LocalDate, Long> dailyActivity, Map<String, Long> categories, Double averageResponseTimeMs,
    double errorRate) {

  public static UserReport compute(Dataset<Row> traces, String userId, int days, Instant asOf, String categoryTag) {
    Instant since = asOf.minus(Duration.ofDays(days));
    Dataset<Row> mine = traces.where(col(TraceColumns.USER_ID).equalTo(lit(userId))
        .and(col(TraceColumns.REQUEST_TIME).gt(lit(Timestamp.from(since)))));
    // The same aggregates as the analytics tables: interactions, sessions, mean duration, error rate.
    Row totals = mine.agg(TraceStats.interactions(), TraceStats.sessions(), TraceStats.latency(false).get(0),
        TraceStats.errorRate()).first();
    long interactions = totals.getLong(0);
    Map<LocalDate, Long> daily = new LinkedHashMap<>();
    for (Row r : mine.groupBy(TraceColumns.REQUEST_DATE).count().orderBy(TraceColumns.REQUEST_DATE)
        .collectAsList()) {
      daily.put(r.getLocalDate(0), r.getLong(1));
    }
    Map<String, Long> categories = new LinkedHashMap<>();
    for (Row r : mine.where(col(TraceColumns.TAGS).getItem(categoryTag).isNotNull())
        .groupBy(col(TraceColumns.TAGS).getItem(categoryTag).as("c")).count()
        .orderBy(col("count").desc(), col("c").asc()).collectAsList()) {
      categories.put(r.getString(0), r.getLong(1));
    }
    Double average = totals.isNullAt(2) ? null : totals.getDouble(2);
    double errorRate = totals.isNullAt(3) ? 0.0 : totals.getDouble(3);
    return new UserReport(userId, days, asOf, interactions, totals.getLong(1), daily, categories, average, errorRate);
  }

  /** The tutorial's text layout. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("User ").append(userId).append(" Activity Report (").append(days).append(" days)\n");
    out.append("=".repeat(50)).append('\n');
    out.append("Total interactions: ").append(interactions).append('\n');
    out.append("Unique sessions: ").append(sessions).append('\n');
    out.append('\n').append("Daily activity:\n");
    Map<String, Long> daily = new LinkedHashMap<>();
    dailyActivity.forEach((d, n) -> daily.put(d.toString(), n));
    out.append(TextTables.series(daily));
    out.append('\n').append("Query categories:\n");
    out.append(TextTables.series(categories));
    out.append('\n').append("Performance:\n");
    out.append("Average response time: ")
        .append(averageResponseTimeMs == null ? "n/a (no trace with a duration)"
            : String.format("%.1fms", averageResponseTimeMs)).append('\n');
    out.append(String.format("Error rate: %.1f%%%n", errorRate * 100));
    return out.toString();
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("user_id", userId);
    m.put("days", days);
    m.put("as_of", asOf.toString());
    m.put("total_interactions", interactions);
    m.put("unique_sessions", sessions);
    Map<String, Long> daily = new LinkedHashMap<>();
    dailyActivity.forEach((d, n) -> daily.put(d.toString(), n));
    m.put("daily_activity", daily);
    m.put("query_categories", categories);
    m.put("average_response_time_ms", averageResponseTimeMs);
    m.put("error_rate", errorRate);
    return m;
  }

}
