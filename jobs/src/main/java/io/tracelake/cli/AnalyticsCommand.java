package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.analytics.DateSelection;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "analytics", mixinStandardHelpOptions = true,
    description = {"Recomputes the analytics tables (traces_flat, daily_user_activity, version_breakdown, "
        + "feedback_daily, session_turns, sessions, session_paths, turn_dropoff, user_summary, version_summary, environment_summary, active_users, user_retention, "
        + "and span_daily where the "
        + "warehouse has spans) for a range of UTC dates.",
        "Default: the pending dates (changed in traces since the last finished run; a killed run leaves its dates "
            + "pending). Incremental and idempotent: "
            + "the result equals a full recomputation."})
public final class AnalyticsCommand implements Callable<Integer> {

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--from", paramLabel = "DATE", description = "First UTC date to recompute (yyyy-MM-dd).")
  String from;

  @Option(names = "--to", paramLabel = "DATE", description = "Last UTC date to recompute (yyyy-MM-dd).")
  String to;

  @Option(names = "--all", description = "Recompute every date (a full recomputation).")
  boolean all;

  @Mixin
  CatalogOptions catalog;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    DateSelection requested = selection(all, from, to);
    TracelakeConfig config = catalog.applyTo(common.load());
    SparkSession spark = Sessions.getOrCreate("tracelake analytics");
    Warehouse wh = Warehouse.openForRead(spark, warehouse);
    DateSelection dates = requested != null ? requested : AnalyticsJob.pendingDates(wh);
    System.out.print(AnalyticsJob.run(spark, config, wh, dates).render());
    CatalogOptions.registerIfConfigured(config, wh);
    return 0;
  }

  /** The selection the options ask for, or null for the pending dates ({@link AnalyticsJob#pendingDates}). */
  static DateSelection selection(boolean all, String from, String to) {
    LocalDate f = Dates.date("--from", from);
    LocalDate t = Dates.date("--to", to);
    if (all && (f != null || t != null)) {
      throw new UserInputException("Give either --all or --from/--to, not both");
    }
    Dates.checkRange(f, t);
    if (all) {
      return DateSelection.all();
    }
    return f == null && t == null ? null : DateSelection.range(f, t);
  }
}
