package io.tracelake.cli;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.FileShape;
import io.tracelake.run.ScheduledRun;
import io.tracelake.spark.Sessions;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "The scheduled job: ingest the exports, then recompute the analytics tables for the dates the "
        + "ingest touched. Re-running it on the same input changes nothing. To keep one Spark application running "
        + "and take new files as they arrive, see 'watch'.")
public final class RunCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
      description = "Export files or folders (read recursively).")
  List<String> inputs;

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Mixin
  ShapeOption shape;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    FileShape override = shape.override();
    TracelakeConfig config = common.loadAndLog();
    SparkSession spark = Sessions.getOrCreate("tracelake run");
    System.out.print(ScheduledRun.run(spark, config, inputs, warehouse, override).render());
    return 0;
  }
}
