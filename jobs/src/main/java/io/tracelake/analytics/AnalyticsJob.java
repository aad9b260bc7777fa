package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_filter;

import io.delta.tables.DeltaTable;
import io.tracelake.Progress;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The analytics job: recomputes the analytics tables for a selection of UTC dates from the {@code traces} table.
 *
 * <p>Incremental and idempotent; the result equals a full recomputation:
 * <ul>
 *   <li>date-partitioned tables ({@code traces_flat}, {@code daily_user_activity}, {@code version_breakdown}) are
 *       rewritten for exactly the selected dates with Delta's {@code replaceWhere};
 *   <li>{@code session_turns} and {@code sessions} are recomputed for every session that has a trace on a selected
 *       date, from all of that session's traces (so sessions crossing midnight and late traces renumber correctly),
 *       and MERGEd by key;
 *   <li>{@code user_summary}, {@code version_summary} and {@code environment_summary} likewise for the users,
 *       (version, environment) pairs and environments seen on the selected dates, MERGEd by key (null-safe).
 * </ul>
 * Each table write is one Delta transaction.
 */
public final class AnalyticsJob {

  /** Table name → rows after the run, in the order written. */
  public record Outcome(DateSelection dates, long tracesInRange, Map<String, Long> tableRows, double seconds) {

    public String render() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("Analytics finished in %.1f s for %s (%,d traces on those dates)%n", seconds, dates,
          tracesInRange));
      tableRows.forEach((table, rows) -> out.append(String.format("  %-22s %,d rows%n", table, rows)));
      return out.toString();
    }
  }

  private AnalyticsJob() {}

  /** The dates the last ingest touched, or all dates when no ingest was recorded. */
  public static DateSelection lastIngestDates(Warehouse warehouse) {
    if (!warehouse.exists(TableNames.INGEST_RUNS)) {
      return DateSelection.all();
    }
    List<Row> last = warehouse.read(TableNames.INGEST_RUNS).orderBy(col("finished_at").desc()).limit(1)
        .collectAsList();
    if (last.isEmpty()) {
      return DateSelection.all();
    }
    List<LocalDate> dates = last.get(0).getList(last.get(0).fieldIndex("touched_dates"));
    return DateSelection.of(new ArrayList<>(dates));
  }

  public static Outcome run(SparkSession spark, TracelakeConfig config, Warehouse warehouse,
      DateSelection dates) {
    Progress progress = new Progress("analytics");
    Dataset<Row> traces = warehouse.read(TableNames.TRACES);
    String category = config.analytics().categoryTag();
    Map<String, Long> rows = new LinkedHashMap<>();
    if (dates.isEmpty()) {
      progress.stage("the last ingest changed no trace; nothing to recompute");
      AnalyticsTables.all().forEach(t -> {
        if (warehouse.exists(t)) {
          rows.put(t, warehouse.read(t).count());
        }
      });
      return new Outcome(dates, 0, rows, progress.seconds());
    }
    Dataset<Row> inRange = traces.where(dates.predicate(TraceColumns.REQUEST_DATE))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long count = inRange.count();
      progress.stage("recomputing %s: %,d traces", dates, count);

      replaceDates(warehouse, AnalyticsTables.TRACES_FLAT, FlatTraces.flatten(inRange, config),
          TraceColumns.REQUEST_DATE, dates, rows, progress);
      replaceDates(warehouse, AnalyticsTables.DAILY_USER_ACTIVITY, DailyUserActivity.compute(inRange, category),
          DailyUserActivity.DATE, dates, rows, progress);
      replaceDates(warehouse, AnalyticsTables.VERSION_BREAKDOWN, VersionBreakdowns.daily(inRange),
          DailyUserActivity.DATE, dates, rows, progress);

      Dataset<Row> sessionTraces = dates.isAll() ? traces : traces.join(
          inRange.select(col(TraceColumns.SESSION_ID).as("_s")).where(col("_s").isNotNull()).distinct(),
          col(TraceColumns.SESSION_ID).equalTo(col("_s")), "left_semi");
      Dataset<Row> turns = SessionTurns.compute(sessionTraces).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        mergeByKeys(warehouse, AnalyticsTables.SESSION_TURNS, turns, List.of(TraceColumns.TRACE_ID), dates, rows,
            progress);
        mergeByKeys(warehouse, AnalyticsTables.SESSIONS, SessionSummaries.compute(turns),
            List.of(TraceColumns.SESSION_ID), dates, rows, progress);
      } finally {
        turns.unpersist();
      }

      // The all-time summaries share one narrow projection of the traces they need, read once.
      Dataset<Row> narrow = summaryColumns(traces, category).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        mergeByKeys(warehouse, AnalyticsTables.USER_SUMMARY,
            UserSummary.compute(touching(narrow, inRange, dates, TraceColumns.USER_ID), category),
            List.of(TraceColumns.USER_ID), dates, rows, progress);
        mergeByKeys(warehouse, AnalyticsTables.VERSION_SUMMARY,
            VersionBreakdowns.versionSummary(
                touching(narrow, inRange, dates, TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT)),
            List.of(TraceColumns.APP_VERSION, TraceColumns.ENVIRONMENT), dates, rows, progress);
        mergeByKeys(warehouse, AnalyticsTables.ENVIRONMENT_SUMMARY,
            VersionBreakdowns.environmentSummary(touching(narrow, inRange, dates, TraceColumns.ENVIRONMENT)),
            List.of(TraceColumns.ENVIRONMENT), dates, rows, progress);
      } finally {
        narrow.unpersist();
      }
      return new Outcome(dates, count, rows, progress.seconds());
    } finally {
      inRange.unpersist();
    }
  }

  /** The columns the all-time summaries read; of the tags, only the category tag. */
  private static Dataset<Row> summaryColumns(Dataset<Row> traces, String categoryTag) {
    return traces.select(col(TraceColumns.USER_ID), col(TraceColumns.SESSION_ID), col(TraceColumns.APP_VERSION),
        col(TraceColumns.ENVIRONMENT), col(TraceColumns.STATE), col(TraceColumns.EXECUTION_DURATION_MS),
        col(TraceColumns.REQUEST_TIME), col(TraceColumns.REQUEST_DATE), col(TraceColumns.INPUT_TOKENS),
        col(TraceColumns.OUTPUT_TOKENS), col(TraceColumns.TOTAL_TOKENS),
        map_filter(col(TraceColumns.TAGS), (k, v) -> k.equalTo(categoryTag)).as(TraceColumns.TAGS));
  }

  /** All traces whose key values (null-safe) occur among the traces in range. */
  private static Dataset<Row> touching(Dataset<Row> traces, Dataset<Row> inRange, DateSelection dates,
      String... keys) {
    if (dates.isAll()) {
      return traces;
    }
    Column[] renamed = new Column[keys.length];
    Column condition = null;
    for (int i = 0; i < keys.length; i++) {
      renamed[i] = col(keys[i]).as("_t" + i);
      Column c = col(keys[i]).eqNullSafe(col("_t" + i));
      condition = condition == null ? c : condition.and(c);
    }
    return traces.join(inRange.select(renamed).distinct(), condition, "left_semi");
  }

  private static void replaceDates(Warehouse warehouse, String table, Dataset<Row> rows, String dateColumn,
      DateSelection dates, Map<String, Long> counts, Progress progress) {
    rows.write().format("delta")
        .mode("overwrite")
        .option("replaceWhere", dates.sql(dateColumn))
        .option("mergeSchema", "true")
        .partitionBy(dateColumn)
        .save(warehouse.path(table));
    counts.put(table, warehouse.read(table).count());
    progress.stage("%s: %,d rows", table, counts.get(table));
  }

  private static void mergeByKeys(Warehouse warehouse, String table, Dataset<Row> rows, List<String> keys,
      DateSelection dates, Map<String, Long> counts, Progress progress) {
    if (dates.isAll() || !warehouse.exists(table)) {
      rows.write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(warehouse.path(table));
    } else {
      Column condition = null;
      for (String k : keys) {
        Column c = col("t." + k).eqNullSafe(col("s." + k));
        condition = condition == null ? c : condition.and(c);
      }
      DeltaTable.forPath(warehouse.spark(), warehouse.path(table)).as("t")
          .merge(rows.as("s"), condition)
          .whenMatched().updateAll()
          .whenNotMatched().insertAll()
          .execute();
    }
    counts.put(table, warehouse.read(table).count());
    progress.stage("%s: %,d rows", table, counts.get(table));
  }
}
