package io.tracelake.cli;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.run.InputWatch;
import io.tracelake.spark.Sessions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {
        "The scheduled job as one long-lived Spark application: looks at the inputs every --every seconds and runs "
            + "'run' (ingest, then analytics for the touched dates) on each batch of new or changed export files.",
        "A batch costs less than a separate 'run': the JVM has compiled Spark's and Delta's code once. On start it "
            + "recomputes the dates of any ingest whose analytics did not run, and takes every file no ingest has "
            + "read since it last changed (ingest_runs), so it can be stopped and restarted at any moment."})
public final class WatchCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
      description = "Folders (or files) to watch, read recursively; names starting with . or _ are skipped, so "
          + "write a file under such a name and rename it when complete.")
  List<String> inputs;

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "60",
      description = "Seconds between looks at the inputs when nothing is new (default: ${DEFAULT-VALUE}).")
  double everySeconds;

  @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "10",
      description = "A file is taken once it has not changed for this long (default: ${DEFAULT-VALUE}).")
  double settleSeconds;

  @Option(names = "--batches", paramLabel = "N", defaultValue = "0",
      description = "Stop after N batches (default: 0, watch until stopped).")
  int batches;

  @Option(names = "--maintain-every", paramLabel = "N", defaultValue = "50",
      description = "Compact and vacuum the warehouse (as 'maintain') after every N-th batch, so that a watch that "
          + "runs for days keeps its file counts bounded; 0: never (default: ${DEFAULT-VALUE}).")
  int maintainEvery;

  @Mixin
  ShapeOption shape;

  @Mixin
  CatalogOptions catalog;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() throws InterruptedException {
    InputWatch.Options options = new InputWatch.Options(inputs, warehouse, shape.override(), seconds(everySeconds),
        seconds(settleSeconds), batches, maintainEvery);
    TracelakeConfig config = catalog.applyTo(common.loadAndLog());
    SparkSession spark = Sessions.getOrCreate("tracelake watch");
    InputWatch.run(spark, config, options);
    return 0;
  }

  private static Duration seconds(double seconds) {
    return Duration.ofMillis(Math.round(seconds * 1000));
  }
}
