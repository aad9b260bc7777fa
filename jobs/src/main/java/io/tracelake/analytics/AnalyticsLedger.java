package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;

import io.tracelake.schema.RunSchemas;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.TraceCommits;
import io.tracelake.warehouse.Warehouse;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Which dates the analytics tables still owe: the bookkeeping that makes a killed or failed analytics run harmless.
 *
 * <p>Every commit that changes {@code traces} names the request dates it touched in its Delta commit metadata
 * ({@link TraceCommits}), in the same transaction as the data, so no crash can separate the two. A finished analytics
 * run appends one row to {@code analytics_runs} as its very last write, with the {@code traces} version it read
 * (it reads that one snapshot throughout). The pending dates are those of every {@code traces} commit after the
 * version of the last finished run that covered everything pending when it started. A run killed at any point
 * writes no row, so its dates stay pending and the next run recomputes them; a run for an explicit range that leaves
 * pending dates out does not move the mark either.
 */
public final class AnalyticsLedger {

  /** What is owed at a {@code traces} version: the dates (all, when unknown), and that version. */
  public record Pending(DateSelection dates, long tracesVersion) {}

  private AnalyticsLedger() {}

  /** The dates pending at the current {@code traces} version. */
  public static Pending pending(Warehouse warehouse) {
    long current = TraceCommits.latestVersion(warehouse);
    Optional<Long> mark = lastCoveringVersion(warehouse);
    if (mark.isEmpty()) {
      return new Pending(DateSelection.all(), current);
    }
    Optional<Set<LocalDate>> touched = TraceCommits.touchedDates(warehouse, mark.get(), current);
    return new Pending(touched.map(d -> DateSelection.of(List.copyOf(new TreeSet<>(d))))
        .orElse(DateSelection.all()), current);
  }

  /** Whether recomputing {@code selection} leaves nothing of {@code pending} owed. */
  public static boolean covers(DateSelection selection, DateSelection pending) {
    if (selection.isAll() || pending.isEmpty()) {
      return true;
    }
    return !pending.isAll() && pending.dates().stream().allMatch(selection::contains);
  }

  /** Records a finished run: its last write, so that only a run that wrote every table moves the mark. */
  public static void recordFinished(Warehouse warehouse, String runId, Instant startedAt, long tracesVersion,
      DateSelection selection, boolean coveredPending) {
    Row row = RowFactory.create(runId, Timestamp.from(startedAt), Timestamp.from(Instant.now()), tracesVersion,
        selection.toString(), coveredPending);
    warehouse.insertNew(RunSchemas.ANALYTICS_RUNS,
        warehouse.spark().createDataFrame(List.of(row), RunSchemas.ANALYTICS_RUNS.schema()), List.of("run_id"));
  }

  /** The traces version of the last finished run that covered what was pending; empty when there is none. */
  private static Optional<Long> lastCoveringVersion(Warehouse warehouse) {
    if (!warehouse.exists(TableNames.ANALYTICS_RUNS)) {
      return Optional.empty();
    }
    Row max = warehouse.read(TableNames.ANALYTICS_RUNS).where(col("covered_pending"))
        .agg(org.apache.spark.sql.functions.max(col("traces_version"))).first();
    return max.isNullAt(0) ? Optional.empty() : Optional.of(max.getLong(0));
  }
}
