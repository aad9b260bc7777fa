package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;

import io.tracelake.Progress;
import io.tracelake.schema.TraceColumns;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The analytics job's first phase: which dates a run recomputes. The dates asked for (by default those pending,
 * {@link AnalyticsLedger}), widened to all dates when the analytics tables predate the tables or columns the
 * summaries merge from, and to every date that has traces but no daily rows yet (the all-time summaries are merged
 * from the daily tables, so those must cover every date).
 */
final class AnalyticsDates {

  private AnalyticsDates() {}

  /**
   * The dates to recompute for {@code requested} (empty when nothing is owed), from the traces of the run's snapshot.
   */
  static DateSelection plan(Warehouse warehouse, Dataset<Row> traces, DateSelection requested, Progress progress) {
    DateSelection dates = requested;
    if (!requested.isAll() && !(hasMergeColumns(warehouse) && hasEveryTable(warehouse))) {
      progress.stage("the analytics tables predate this version's tables or the columns the summaries merge from; "
          + "recomputing all dates once");
      dates = DateSelection.all();
    }
    if (dates.isEmpty() || dates.isAll()) {
      return dates;
    }
    return withDatesMissingFromDailyTables(warehouse, traces, dates, progress);
  }

  /**
   * The selection plus every date that has traces but no rows in the daily tables yet (a first analytics run for a
   * few dates, or ingests that ran without analytics): the all-time summaries are merged from the daily tables, so
   * those must cover every date. All dates when the daily tables do not exist yet.
   */
  private static DateSelection withDatesMissingFromDailyTables(Warehouse warehouse, Dataset<Row> traces,
      DateSelection dates, Progress progress) {
    if (!warehouse.exists(AnalyticsTables.DAILY_USER_ACTIVITY)
        || !warehouse.exists(AnalyticsTables.VERSION_BREAKDOWN)) {
      progress.stage("no daily tables yet; computing all dates");
      return DateSelection.all();
    }
    List<LocalDate> traceDates = distinctDates(traces, TraceColumns.REQUEST_DATE);
    List<LocalDate> dailyDates = distinctDates(warehouse.read(AnalyticsTables.DAILY_USER_ACTIVITY),
        DailyUserActivity.DATE);
    List<LocalDate> missing = traceDates.stream().filter(d -> !dailyDates.contains(d) && !dates.contains(d)).toList();
    if (missing.isEmpty()) {
      return dates;
    }
    progress.stage("%,d more date(s) with traces have no daily rows yet; computing them too", missing.size());
    return DateSelection.of(traceDates.stream().filter(d -> dates.contains(d) || missing.contains(d)).toList());
  }

  /** The distinct values of a date column, sorted (a partition column: a few hundred values at most). */
  static List<LocalDate> distinctDates(Dataset<Row> table, String dateColumn) {
    List<LocalDate> dates = new ArrayList<>();
    for (Row r : table.select(col(dateColumn)).distinct().collectAsList()) {
      dates.add(r.getLocalDate(0));
    }
    dates.sort(null);
    return dates;
  }

  /** Whether the daily tables (where they exist) already have the columns the summaries are merged from. */
  private static boolean hasMergeColumns(Warehouse warehouse) {
    return hasColumn(warehouse, AnalyticsTables.DAILY_USER_ACTIVITY, TraceStats.SESSION_IDS)
        && hasColumn(warehouse, AnalyticsTables.VERSION_BREAKDOWN, TraceStats.USER_IDS)
        && hasColumn(warehouse, AnalyticsTables.VERSION_BREAKDOWN, TraceStats.ANONYMOUS_TRACES)
        && hasColumn(warehouse, AnalyticsTables.DAILY_USER_ACTIVITY, TraceStats.FEEDBACK_COUNT)
        && hasColumn(warehouse, AnalyticsTables.SESSION_TURNS, TraceStats.FEEDBACK_COUNT)
        && hasColumn(warehouse, AnalyticsTables.SESSION_TURNS, SessionTurns.PATH_STEP)
        && hasColumn(warehouse, AnalyticsTables.DAILY_USER_ACTIVITY, TraceStats.COSTED_TRACES)
        && hasColumn(warehouse, AnalyticsTables.VERSION_BREAKDOWN, TraceStats.COSTED_TRACES)
        && hasColumn(warehouse, AnalyticsTables.SESSION_TURNS, TraceStats.COST_USD);
  }

  /**
   * Whether every table a run writes exists, where the daily tables do (a warehouse an earlier version wrote lacks
   * the tables added since; one without daily tables gets all dates anyway).
   */
  private static boolean hasEveryTable(Warehouse warehouse) {
    return !warehouse.exists(AnalyticsTables.DAILY_USER_ACTIVITY)
        || AnalyticsTables.all().stream().allMatch(warehouse::exists);
  }

  private static boolean hasColumn(Warehouse warehouse, String table, String column) {
    return !warehouse.exists(table) || List.of(warehouse.read(table).columns()).contains(column);
  }
}
