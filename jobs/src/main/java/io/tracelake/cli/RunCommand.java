package io.tracelake.cli;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.run.ScheduledRun;
import io.tracelake.spark.Sessions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "The scheduled job: ingest the exports, then recompute the analytics tables for the pending "
        + "dates (those the ingest touched, and any an earlier killed run left). Files an earlier ingest already read "
        + "are skipped unless they changed; re-running it on the same input changes nothing. To keep one Spark application running "
        + "and take new files as they arrive, see 'watch'.")
public final class RunCommand implements Callable<Integer> {

  @Mixin
  InputOptions input;

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Mixin
  ShapeOption shape;

  @Mixin
  IngestChecks checks;

  @Mixin
  CatalogOptions catalog;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    input.validate();
    IngestJob.Options options = new IngestJob.Options(input.paths, warehouse, shape.override(), checks.reread,
        input.tables, input.otelTables);
    checks.validate();
    TracelakeConfig config = catalog.applyTo(common.loadAndLog());
    SparkSession spark = Sessions.getOrCreate("tracelake run");
    ScheduledRun.Outcome outcome = ScheduledRun.run(spark, config, options);
    System.out.print(outcome.render());
    checks.check(outcome.ingest());
    return 0;
  }
}
