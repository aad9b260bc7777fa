package io.tracelake.explore;

import io.tracelake.analytics.WarehouseTables;
import io.tracelake.config.ConfigLoader;
import io.tracelake.eval.EvalRecords;
import io.tracelake.eval.EvalSelection;
import io.tracelake.reports.Breakdown;
import io.tracelake.reports.ReleaseComparison;
import io.tracelake.reports.SessionFlow;
import io.tracelake.reports.UserReport;
import io.tracelake.search.SpanSource;
import io.tracelake.search.TraceFilter;
import io.tracelake.search.TraceSearch;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The exploration API for notebooks: a warehouse opened by path from a {@code SparkSession}, its tables as frames,
 * the tutorial's three reports as values, and search with an MLflow filter string. Thin on purpose: it calls the
 * same code as the commands.
 *
 * <pre>{@code
 * var wh = Warehouses.open(spark, "warehouse");
 * wh.table("daily_user_activity").groupBy("activity_date").count().show();
 * UserReport r = wh.userReport("user-0001", 7, Instant.parse("2025-12-15T00:00:00Z"));
 * }</pre>
 */
public final class Warehouses {

  private final Warehouse warehouse;

  private Warehouses(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  /** Opens an existing warehouse folder (it must hold a traces table). */
  public static Warehouses open(SparkSession spark, String path) {
    return new Warehouses(Warehouse.openForRead(spark, path));
  }

  /** Every table name a warehouse may hold ({@link WarehouseTables}). */
  public static List<String> tableNames() {
    return WarehouseTables.all();
  }


  /** A table as a frame; a name that is not a table of this warehouse fails with the names that are. */
  public Dataset<Row> table(String name) {
    if (!tableNames().contains(name) || !warehouse.exists(name)) {
      throw new IllegalArgumentException("No table '" + name + "' in " + warehouse.root() + "; tables: "
          + String.join(", ", tableNames().stream().filter(warehouse::exists).toList()));
    }
    return warehouse.read(name);
  }

  public Dataset<Row> traces() {
    return table(TableNames.TRACES);
  }

  /** Every span of the traces (see the README's {@code spans} table). */
  public Dataset<Row> spans() {
    return table(TableNames.SPANS);
  }

  /** The traces matching an MLflow filter string (null or blank: all). */
  public Dataset<Row> search(String filter) {
    return TraceSearch.filter(traces(), SpanSource.of(warehouse), filter);
  }

  /** MLflow's per-user report over the {@code days} before {@code asOf}. */
  public UserReport userReport(String userId, int days, Instant asOf) {
    return UserReport.compute(traces(), userId, days, asOf, ConfigLoader.defaults().analytics().categoryTag());
  }

  /** One session's turn-by-turn timeline. */
  public SessionFlow sessionFlow(String sessionId) {
    return SessionFlow.compute(traces(), sessionId);
  }

  /** Interactions and users per app version, interactions per environment. */
  public Breakdown breakdown() {
    return Breakdown.compute(traces());
  }

  /**
   * Two app versions side by side, as {@code release-compare} prints them (all dates, its default resampling); null
   * {@code environment}: all. Print it with {@link ReleaseComparison#table}, draw it with
   * {@link Charts#releaseComparison}. A version with no traces fails with the versions that have some.
   */
  public ReleaseComparison.Result compareReleases(String baseline, String candidate, String environment) {
    ReleaseComparison.Options options = ReleaseComparison.Options.of(baseline, candidate, environment);
    Dataset<Row> traces = traces();
    String missing = ReleaseComparison.missingRelease(traces, options, warehouse.root());
    if (missing != null) {
      throw new IllegalArgumentException(missing);
    }
    return ReleaseComparison.compare(traces, options);
  }

  /**
   * The records {@code eval-dataset} would build for this filter, as a frame in file order (one row per record;
   * see {@link EvalSelection#select}); nothing is written.
   */
  public Dataset<Row> evalRecords(String filter, boolean wholeSessions) {
    return EvalSelection.inFileOrder(EvalSelection.select(traces(), new EvalSelection.Options(
        TraceFilter.parse(filter, SpanSource.of(warehouse)), wholeSessions, false, null, 0, null,
        ConfigLoader.defaults().analytics().categoryTag())));
  }

  /** One record of {@link #evalRecords} as the JSON line {@code eval-dataset} writes. */
  public static String recordJson(Row record) {
    return EvalRecords.recordJson(record);
  }

  public String root() {
    return warehouse.root();
  }
}
