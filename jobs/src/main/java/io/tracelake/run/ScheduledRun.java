package io.tracelake.run;

import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.ingest.files.FileShape;
import io.tracelake.warehouse.CatalogRegistration;
import io.tracelake.warehouse.Warehouse;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The scheduled job: ingest exports, then recompute the analytics tables for the pending dates: those the ingest
 * touched, and any an earlier ingest or a killed analytics run left without analytics. What
 * {@code tracelake run} does once, and {@code tracelake watch} does for each batch of new files. With config
 * {@code catalog.schema} set, every table is then also registered by name ({@link CatalogRegistration}).
 */
public final class ScheduledRun {

  /**
   * The two halves' outcomes, and where the tables are registered by name (null when config {@code catalog} names
   * no schema); {@link #render} is the summary both commands print.
   */
  public record Outcome(IngestSummary ingest, AnalyticsJob.Outcome analytics,
      CatalogRegistration.Registered registered) {

    public String render() {
      return ingest.render() + analytics.render() + (registered == null ? "" : registered.render());
    }
  }

  private ScheduledRun() {}

  /** {@code formatOverride} null means detect each file's shape; files already read are skipped. */
  public static Outcome run(SparkSession spark, TracelakeConfig config, List<String> inputs, String warehouse,
      FileShape formatOverride) {
    return run(spark, config, new IngestJob.Options(inputs, warehouse, formatOverride));
  }

  public static Outcome run(SparkSession spark, TracelakeConfig config, IngestJob.Options options) {
    IngestSummary ingest = IngestJob.run(spark, config, options);
    Warehouse tables = Warehouse.openForRead(spark, options.warehouse());
    AnalyticsJob.Outcome analytics = AnalyticsJob.run(spark, config, tables, AnalyticsJob.pendingDates(tables));
    CatalogRegistration.Registered registered = config.catalog().enabled()
        ? CatalogRegistration.register(tables, config.catalog().name(), config.catalog().schema()) : null;
    return new Outcome(ingest, analytics, registered);
  }
}
