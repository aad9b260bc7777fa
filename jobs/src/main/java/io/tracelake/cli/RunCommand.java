package io.tracelake.cli;

import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.analytics.DateSelection;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.FileShape;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "The scheduled job: ingest the exports, then recompute the analytics tables for the dates the "
        + "ingest touched. Re-running it on the same input changes nothing.")
public final class RunCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
      description = "Export files or folders (read recursively).")
  List<String> inputs;

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--format", paramLabel = "SHAPE", defaultValue = "auto",
      description = "Override shape detection (see 'ingest --help').")
  String format;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    FileShape override = format.equals("auto") ? null : IngestCommand.parseFormat(format);
    TracelakeConfig config = common.load();
    LoggerFactory.getLogger("io.tracelake").info("config: {}", ConfigLoader.describe(config));
    SparkSession spark = Sessions.getOrCreate("tracelake run");
    IngestSummary ingest = IngestJob.run(spark, config, new IngestJob.Options(inputs, warehouse, override));
    System.out.print(ingest.render());
    Warehouse wh = Warehouse.openForRead(spark, warehouse);
    AnalyticsJob.Outcome analytics = AnalyticsJob.run(spark, config, wh, DateSelection.of(ingest.touchedDates()));
    System.out.print(analytics.render());
    return 0;
  }
}
