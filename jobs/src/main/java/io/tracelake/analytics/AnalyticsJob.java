package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.tracelake.Progress;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.AnalyticsSchemas;
import io.tracelake.schema.TraceColumns;
import io.tracelake.spark.CodeGeneration;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The analytics job: recomputes the analytics tables for a selection of UTC dates from the {@code traces} table.
 *
 * <p>A run goes in five phases: (1) <b>plan the dates</b> ({@link AnalyticsDates}: those asked for, widened where
 * the tables need it); (2) <b>read once</b>: the traces of those dates from one snapshot of {@code traces}, cached;
 * (3) <b>compute</b> each table with its transformation (one class per table: {@link DailyUserActivity},
 * {@link SessionTurns}, ...); (4) <b>write</b> each table with one of three strategies ({@link TableWrites}: dates
 * replaced, keys replaced, small table overwritten), daily tables first and the all-time summaries from them; (5)
 * <b>record the run</b> in {@code analytics_runs}, last.
 *
 * <p>Incremental and idempotent; the result equals a full recomputation:
 * <ul>
 *   <li>date-partitioned tables ({@code traces_flat}, {@code daily_user_activity}, {@code version_breakdown},
 *       {@code feedback_daily}, and
 *       {@code span_daily} where the warehouse has spans) are rewritten for exactly the selected dates with Delta's
 *       {@code replaceWhere};
 *   <li>{@code session_turns} and {@code sessions} are recomputed for every session that has a trace on a selected
 *       date, or had a turn there before the run, from all of that session's traces (so sessions crossing midnight
 *       and late traces renumber correctly, and a session a re-delivered trace moved out of loses it), and MERGEd by
 *       key, deleting what no longer has a trace; only the dates those sessions have or had traces on are read and
 *       rewritten; {@code session_paths} and {@code turn_dropoff} are then overwritten from all of {@code sessions}
 *       (one row per session);
 *   <li>{@code user_summary} is merged from the daily rows of the users seen on the selected dates before or after
 *       the run's writes, and MERGEd by key (null-safe), deleting a user left without traces;
 *       {@code version_summary} and {@code environment_summary} are merged from all rows of
 *       {@code version_breakdown} (a few per day) and overwritten, and so are {@code active_users} and
 *       {@code user_retention}, from its per-day user sets. The daily tables carry the id sets and sorted
 *       durations that make this exact ({@link DailyRollups}), so the summaries never re-read the traces.
 * </ul>
 * Each table write is one Delta transaction, stamped with the traces version the run read and its start time (see
 * {@link Warehouse#stampedAs}: of two overlapping runs, the newer one wins every table, the other stops); the run's
 * last write records it as finished in
 * {@code analytics_runs} ({@link AnalyticsLedger}), so a run killed between two tables leaves its dates pending. A
 * warehouse whose daily tables predate those merge columns is recomputed in full once.
 */
public final class AnalyticsJob {

  /** Table name → rows the run wrote into it (inserted, updated or replaced), in the order written. */
  public record Outcome(DateSelection dates, long tracesInRange, Map<String, Long> rowsWritten, double seconds) {

    public String render() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("Analytics finished in %.1f s for %s (%,d traces on those dates)%n", seconds, dates,
          tracesInRange));
      rowsWritten.forEach((table, rows) -> out.append(String.format("  %-22s %,d rows written%n", table, rows)));
      return out.toString();
    }
  }

  /** The writer id the analytics job stamps its writes with (a Delta transaction id, per table). */
  private static final String WRITER = "tracelake-analytics";
  /** Bits of a stamp for the start time in epoch milliseconds (enough until the year 2109). */
  private static final int MILLIS_BITS = 42;

  /** A run's stamp: the traces version it reads in the high bits, its start time in the low ones. */
  static long stamp(long tracesVersion, Instant startedAt) {
    return (tracesVersion << MILLIS_BITS) | (startedAt.toEpochMilli() & ((1L << MILLIS_BITS) - 1));
  }

  private AnalyticsJob() {}

  /**
   * The dates to recompute by default: those touched by every change to {@code traces} since the last finished run
   * that covered what was pending ({@link AnalyticsLedger}); all dates on a warehouse without such a run; none when
   * nothing changed since. A run that was killed or failed leaves its dates pending.
   */
  public static DateSelection pendingDates(Warehouse warehouse) {
    return AnalyticsLedger.pending(warehouse).dates();
  }

  public static Outcome run(SparkSession spark, TracelakeConfig config, Warehouse warehouse,
      DateSelection requested) {
    return run(spark, config, warehouse, requested, Instant.now());
  }

  /**
   * The run, as if started at {@code startedAt}. Every write is stamped with the traces version the run reads, then
   * its start time ({@link #stamp}), so that of two runs that overlap, the one that read the newer snapshot (or the
   * same one, but started later) wins every table, and the other stops with
   * {@link io.tracelake.warehouse.ConcurrentWrites.SupersededException} before it records itself as finished.
   */
  static Outcome run(SparkSession spark, TracelakeConfig config, Warehouse unstamped, DateSelection requested,
      Instant startedAt) {
    Progress progress = new Progress("analytics");
    String runId = UUID.randomUUID().toString();
    // One snapshot of the traces for the whole run: an ingest committing meanwhile is left pending for the next.
    AnalyticsLedger.Pending pending = AnalyticsLedger.pending(unstamped);
    Warehouse warehouse = unstamped.stampedAs(WRITER, stamp(pending.tracesVersion(), startedAt));
    Dataset<Row> traces = warehouse.readAt(TableNames.TRACES, pending.tracesVersion());
    String category = config.analytics().categoryTag();
    TableWrites writes = new TableWrites(warehouse, progress);
    DateSelection dates = AnalyticsDates.plan(warehouse, traces, requested, progress);
    if (dates.isEmpty()) {
      progress.stage("no trace changed since the analytics tables were last written; nothing to recompute");
      return new Outcome(dates, 0, writes.rowsWritten(), progress.seconds());
    }
    if (CodeGeneration.fitTo(spark, warehouse.sizeInBytes(TableNames.TRACES),
        CodeGeneration.ANALYTICS_INTERPRETED_BELOW_BYTES)) {
      progress.stage("a small traces table: Spark computes without compiling code");
    }
    // What the tables held before this run's writes: a trace whose fresher version moved it to another user or
    // session must leave the summaries of the one it left, as well as join those of the one it moved to.
    Before before = dates.isAll() ? null : Before.of(warehouse);
    Dataset<Row> inRange = traces.where(dates.predicate(TraceColumns.REQUEST_DATE))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long count;
    try {
      count = inRange.count();
      progress.stage("recomputing %s: %,d traces", dates, count);

      writes.replaceDates(FlatTraces.spec(config), FlatTraces.flatten(inRange, config), TraceColumns.REQUEST_DATE,
          dates);
      writes.replaceDates(AnalyticsSchemas.DAILY_USER_ACTIVITY, DailyUserActivity.compute(inRange, category),
          DailyUserActivity.DATE, dates);
      writes.replaceDates(AnalyticsSchemas.VERSION_BREAKDOWN, VersionBreakdowns.daily(inRange),
          DailyUserActivity.DATE, dates);
      writes.replaceDates(AnalyticsSchemas.FEEDBACK_DAILY, FeedbackDaily.daily(inRange), DailyUserActivity.DATE,
          dates);
      writeSessions(warehouse, writes, traces, inRange, before, dates, SessionTurns.step(config.analytics()),
          progress);
      writeSpanDaily(warehouse, writes, traces, inRange, dates);
    } finally {
      inRange.unpersist();
    }
    writeSummaries(warehouse, writes, before, dates);
    AnalyticsLedger.recordFinished(warehouse, runId, startedAt, pending.tracesVersion(), dates,
        AnalyticsLedger.covers(dates, pending.dates()));
    return new Outcome(dates, count, writes.rowsWritten(), progress.seconds());
  }

  /**
   * The versions of the tables a run merges into, as they were before its first write: where the keys (users,
   * sessions, traces) that had rows on the selected dates are read from.
   */
  private record Before(Long dailyVersion, Long turnsVersion) {

    static Before of(Warehouse warehouse) {
      return new Before(versionOf(warehouse, AnalyticsTables.DAILY_USER_ACTIVITY),
          versionOf(warehouse, AnalyticsTables.SESSION_TURNS));
    }

    private static Long versionOf(Warehouse warehouse, String table) {
      return warehouse.exists(table) ? warehouse.version(table) : null;
    }

    /** session_turns before the run: session_id, trace_id, request_date; empty when there was none. */
    Dataset<Row> turns(Warehouse warehouse) {
      Dataset<Row> turns = turnsVersion == null ? null : warehouse.readAt(AnalyticsTables.SESSION_TURNS, turnsVersion);
      return turns == null ? warehouse.spark().emptyDataFrame()
          .select(lit(null).cast("string").as(TraceColumns.SESSION_ID), lit(null).cast("string")
              .as(TraceColumns.TRACE_ID), lit(null).cast("date").as(TraceColumns.REQUEST_DATE))
          : turns.select(col(TraceColumns.SESSION_ID), col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE));
    }

    /** The users with daily rows on {@code dates} before the run (the daily table exists when dates are chosen). */
    Dataset<Row> users(Warehouse warehouse, DateSelection dates) {
      return warehouse.readAt(AnalyticsTables.DAILY_USER_ACTIVITY, dailyVersion)
          .where(dates.predicate(DailyUserActivity.DATE)).select(col(TraceColumns.USER_ID));
    }
  }

  /**
   * session_turns and sessions for every session with a trace in range, or a turn on the selected dates before the
   * run (a session a trace has left), from all of its traces. Only the dates those sessions have traces or had turns
   * on are read in full, and the MERGEs touch only those date partitions (a session's existing rows are all on dates
   * it had turns on). A turn or session left without traces is deleted. Then session_paths and turn_dropoff, from every
   * row of sessions.
   */
  private static void writeSessions(Warehouse warehouse, TableWrites writes, Dataset<Row> traces,
      Dataset<Row> inRange, Before before, DateSelection dates, Column step, Progress progress) {
    Dataset<Row> sessionTraces = traces;
    DateSelection sessionDates = dates;
    Dataset<Row> turnsInScope = null;
    Dataset<Row> touched = null;
    if (before != null) {
      Dataset<Row> oldTurns = before.turns(warehouse);
      touched = inRange.select(col(TraceColumns.SESSION_ID).as("_s"))
          .union(oldTurns.where(dates.predicate(TraceColumns.REQUEST_DATE)).select(col(TraceColumns.SESSION_ID)))
          .where(col("_s").isNotNull()).distinct().persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> touchedOldTurns = oldTurns.join(touched, col(TraceColumns.SESSION_ID).equalTo(col("_s")),
          "left_semi");
      sessionDates = DateSelection.of(AnalyticsDates.distinctDates(
          traces.select(col(TraceColumns.SESSION_ID), col(TraceColumns.REQUEST_DATE))
              .join(touched, col(TraceColumns.SESSION_ID).equalTo(col("_s")), "left_semi")
              .union(touchedOldTurns.select(col(TraceColumns.SESSION_ID), col(TraceColumns.REQUEST_DATE))),
          TraceColumns.REQUEST_DATE));
      sessionTraces = traces.where(sessionDates.predicate(TraceColumns.REQUEST_DATE))
          .join(touched, col(TraceColumns.SESSION_ID).equalTo(col("_s")), "left_semi");
      turnsInScope = touchedOldTurns.select(col(TraceColumns.TRACE_ID));
      progress.stage("the sessions of those dates have traces on %s", sessionDates);
    }
    Dataset<Row> turns = SessionTurns.compute(sessionTraces, step).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      if (before == null) {
        writes.overwrite(AnalyticsSchemas.SESSION_TURNS, turns);
        writes.overwrite(AnalyticsSchemas.SESSIONS, SessionSummaries.compute(turns));
      } else {
        writes.replaceKeys(AnalyticsSchemas.SESSION_TURNS, turns, List.of(TraceColumns.TRACE_ID),
            sessionDates.predicate("t." + TraceColumns.REQUEST_DATE),
            turnsInScope.union(turns.select(col(TraceColumns.TRACE_ID))));
        writes.replaceKeys(AnalyticsSchemas.SESSIONS, SessionSummaries.compute(turns),
            List.of(TraceColumns.SESSION_ID), sessionDates.predicate("t." + SessionSummaries.SESSION_DATE),
            touched.select(col("_s").as(TraceColumns.SESSION_ID)));
      }
    } finally {
      turns.unpersist();
      if (touched != null) {
        touched.unpersist();
      }
    }
    Dataset<Row> sessions = warehouse.read(AnalyticsTables.SESSIONS).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      writes.overwrite(AnalyticsSchemas.SESSION_PATHS, SessionPaths.paths(sessions));
      writes.overwrite(AnalyticsSchemas.TURN_DROPOFF, SessionPaths.dropoff(sessions));
    } finally {
      sessions.unpersist();
    }
  }

  /**
   * span_daily for the selected dates, where the warehouse has spans; for all dates the first time (a warehouse whose
   * spans came after its analytics tables).
   */
  private static void writeSpanDaily(Warehouse warehouse, TableWrites writes, Dataset<Row> traces,
      Dataset<Row> inRange, DateSelection dates) {
    if (!warehouse.exists(TableNames.SPANS)) {
      return;
    }
    boolean first = !warehouse.exists(AnalyticsTables.SPAN_DAILY);
    DateSelection spanDates = first ? DateSelection.all() : dates;
    Dataset<Row> spans = warehouse.read(TableNames.SPANS).where(spanDates.predicate(TraceColumns.REQUEST_DATE));
    writes.replaceDates(AnalyticsSchemas.SPAN_DAILY, SpanDaily.compute(spans, first ? traces : inRange),
        DailyUserActivity.DATE, spanDates);
  }

  /**
   * The all-time summaries, merged from the daily tables just written: user_summary for the users seen on the
   * selected dates, before or after this run's writes (from all their dates; a user left without rows is deleted),
   * the release summaries from every row of version_breakdown.
   */
  private static void writeSummaries(Warehouse warehouse, TableWrites writes, Before before,
      DateSelection dates) {
    Dataset<Row> daily = warehouse.read(AnalyticsTables.DAILY_USER_ACTIVITY);
    Dataset<Row> users = null;
    if (before != null) {
      users = daily.where(dates.predicate(DailyUserActivity.DATE)).select(col(TraceColumns.USER_ID))
          .union(before.users(warehouse, dates)).distinct().persist(StorageLevel.MEMORY_AND_DISK());
      daily = daily.join(users.select(col(TraceColumns.USER_ID).as("_u")),
          col(TraceColumns.USER_ID).eqNullSafe(col("_u")), "left_semi");
    }
    daily = daily.persist(StorageLevel.MEMORY_AND_DISK());  // read twice: the figures and the top category
    try {
      if (before == null) {
        writes.overwrite(AnalyticsSchemas.USER_SUMMARY, UserSummary.fromDaily(daily));
      } else {
        writes.replaceKeys(AnalyticsSchemas.USER_SUMMARY, UserSummary.fromDaily(daily),
            List.of(TraceColumns.USER_ID), lit(true), users);
      }
    } finally {
      daily.unpersist();
      if (users != null) {
        users.unpersist();
      }
    }
    Dataset<Row> breakdown = warehouse.read(AnalyticsTables.VERSION_BREAKDOWN);
    Dataset<Row> perVersion = VersionBreakdowns.mergedPerVersion(breakdown).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      writes.overwrite(AnalyticsSchemas.VERSION_SUMMARY, VersionBreakdowns.versionSummaryFromDaily(perVersion));
      writes.overwrite(AnalyticsSchemas.ENVIRONMENT_SUMMARY,
          VersionBreakdowns.environmentSummaryFromDaily(perVersion));
    } finally {
      perVersion.unpersist();
    }
    Dataset<Row> userSets = breakdown.select(col(DailyUserActivity.DATE), col(TraceColumns.ENVIRONMENT),
        col(TraceStats.USER_IDS), col(TraceStats.ANONYMOUS_TRACES)).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      writes.overwrite(AnalyticsSchemas.ACTIVE_USERS, ActiveUsers.daily(userSets));
      writes.overwrite(AnalyticsSchemas.USER_RETENTION, UserRetention.weekly(userSets));
    } finally {
      userSets.unpersist();
    }
  }
}
