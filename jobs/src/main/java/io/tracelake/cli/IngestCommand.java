package io.tracelake.cli;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {
        "Reads MLflow trace exports into the Delta tables traces (one row per trace id) and traces_quarantine "
            + "(records that could not be read, with the reason).",
        "Each file's shape is detected: Trace.to_json() as JSON lines, a JSON array or the 'mlflow traces search' "
            + "envelope (any of them gzipped), MLflow 2 and REST/protobuf JSON traces, and search_traces() frames "
            + "saved as JSON lines or Parquet; and, with --input-table, tables of traces in the shape of MLflow's "
            + "trace unified view (Unity Catalog). Files an earlier ingest already read are skipped unless they "
            + "changed (--reread reads them again); re-running on the same input changes nothing."})
public final class IngestCommand implements Callable<Integer> {

  @Mixin
  InputOptions input;

  @Option(names = "--warehouse", required = true, paramLabel = "DIR",
      description = "Warehouse folder; tables are created in it when missing.")
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
    SparkSession spark = Sessions.getOrCreate("tracelake ingest");
    IngestSummary summary = IngestJob.run(spark, config, options);
    System.out.print(summary.render());
    CatalogOptions.registerIfConfigured(config, Warehouse.openForRead(spark, warehouse));
    checks.check(summary);
    return 0;
  }
}
