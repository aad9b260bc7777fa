package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.eval.EvalDatasetJob;
import io.tracelake.eval.EvalDatasetTable;
import io.tracelake.eval.EvalSelection;
import io.tracelake.export.JsonLinesOutput;
import io.tracelake.search.SpanSource;
import io.tracelake.search.TraceFilter;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tracelake eval-dataset}: checks its options and the filter, runs {@link EvalDatasetJob} (an evaluation
 * dataset from the warehouse's traces, as a file and in a table) and prints what it did.
 */
@Command(name = "eval-dataset", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Builds an MLflow evaluation dataset from traces: writes its records (or the traces) as JSON lines "
        + "and upserts them into the eval_datasets table, one row per (dataset, trace).",
        "  tracelake eval-dataset --warehouse warehouse --name thumbs-down "
            + "--filter \"feedback.user_satisfaction = 'false'\" --whole-sessions --output thumbs-down.jsonl",
        "Records are shaped as MLflow's EvaluationDataset.merge_records builds them from a trace. Running the same "
            + "command again changes nothing; a record is never deleted from its dataset."})
public final class EvalDatasetCommand implements Callable<Integer> {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final List<String> FORMATS = List.of("records", "traces");

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--name", paramLabel = "NAME", description = "Dataset name, [A-Za-z0-9_.-]+.")
  String name;

  @Option(names = "--filter", paramLabel = "FILTER",
      description = "MLflow filter string, as for search (feedback.<name> and expectation.<name> included); "
          + "default: every trace.")
  String filter;

  @Option(names = "--whole-sessions",
      description = "Take every turn of each session with at least one matching trace (a matching trace without a "
          + "session is taken alone).")
  boolean wholeSessions;

  @Option(names = "--dedupe-inputs",
      description = "One record per distinct inputs (JSON values compared, key order ignored), the most recent "
          + "trace (latest request_time, ties: greatest trace_id). MLflow's merge_records also keys records on "
          + "their inputs.")
  boolean dedupeInputs;

  @Option(names = "--max-records", paramLabel = "N",
      description = "A deterministic sample of at most N records (same data and seed, same records); with "
          + "--whole-sessions sessions are kept or dropped whole.")
  Integer maxRecords;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of the sample (default: 0).")
  Long seed;

  @Option(names = "--stratify-by", paramLabel = "COLUMN",
      description = "Keep each group's share of the records in the sample: app_version, environment, user_id or "
          + "category.")
  String stratifyBy;

  @Option(names = "--format", defaultValue = "records", paramLabel = "FORMAT",
      description = "records (default: MLflow dataset records) or traces (Trace.to_json() documents, for "
          + "mlflow.genai.evaluate(data=traces) and session-level scorers; root span only).")
  String format;

  @Option(names = "--output", paramLabel = "PATH", description = "JSON-lines file (default: standard output).")
  String output;

  @Option(names = "--list", description = "List the datasets in the warehouse with their record counts.")
  boolean list;

  @Mixin CommonOptions common;

  @Override
  public Integer call() throws IOException {
    if (list) {
      return listDatasets();
    }
    checkOptions();
    TracelakeConfig config = common.load();
    SparkSession spark = Sessions.getOrCreate("tracelake eval-dataset");
    Warehouse w = Warehouse.openForRead(spark, warehouse);
    Column where = TraceFilter.parse(filter, SpanSource.of(w));
    JsonLinesOutput file = output == null ? null
        : JsonLinesOutput.at(output, spark.sparkContext().hadoopConfiguration());
    PrintStream summary = output == null ? System.err : new PrintStream(System.out, true, StandardCharsets.UTF_8);
    EvalDatasetJob.Options options = new EvalDatasetJob.Options(name, new EvalSelection.Options(where, wholeSessions,
        dedupeInputs, maxRecords, seed == null ? 0L : seed, stratifyBy, config.analytics().categoryTag()),
        format.equals("traces") ? EvalDatasetJob.Format.TRACES : EvalDatasetJob.Format.RECORDS);
    EvalDatasetJob.Outcome outcome = EvalDatasetJob.run(w, options,
        lines -> file == null ? JsonLinesOutput.writeTo(System.out, lines) : file.write(lines));
    if (outcome.table() == null) {
      summary.println("eval-dataset " + name + ": no trace matches"
          + (filter == null ? "" : " the filter \"" + filter + "\"") + "; nothing written");
      return 0;
    }
    summary.print(summaryText(outcome.matching(), outcome.written(), file, outcome.table(), w));
    return 0;
  }

  /** Every option checked, and the filter, before Spark starts. */
  private void checkOptions() {
    if (name == null) {
      throw new UserInputException("Missing --name: give the dataset a name of letters, digits, '_', '.' or '-' "
          + "(or use --list)");
    }
    if (!NAME.matcher(name).matches()) {
      throw new UserInputException("Invalid --name '" + name + "': use only letters, digits, '_', '.' and '-'");
    }
    if (!FORMATS.contains(format)) {
      throw new UserInputException("Invalid --format '" + format + "': valid values are records, traces");
    }
    if (maxRecords != null && maxRecords < 1) {
      throw new UserInputException("Invalid --max-records " + maxRecords + ": give at least 1");
    }
    if (maxRecords == null && (seed != null || stratifyBy != null)) {
      throw new UserInputException((seed != null ? "--seed" : "--stratify-by")
          + " only applies to a sample: give --max-records N as well");
    }
    if (stratifyBy != null && !EvalSelection.STRATA.contains(stratifyBy)) {
      throw new UserInputException("Invalid --stratify-by '" + stratifyBy + "': valid columns are "
          + String.join(", ", EvalSelection.STRATA));
    }
    TraceFilter.check(filter);
  }

  private String summaryText(long matching, long written, JsonLinesOutput file, EvalDatasetTable.Outcome o,
      Warehouse w) {
    StringBuilder s = new StringBuilder("eval-dataset ").append(name).append('\n');
    s.append(String.format("  matching        %d traces%s%n", matching,
        filter == null ? " (no filter)" : " match \"" + filter + "\""));
    StringBuilder how = new StringBuilder();
    if (wholeSessions) {
      how.append(", whole sessions");
    }
    if (dedupeInputs) {
      how.append(", one per distinct inputs");
    }
    if (maxRecords != null) {
      how.append(", sample of at most ").append(maxRecords).append(" with seed ").append(seed == null ? 0 : seed);
      if (stratifyBy != null) {
        how.append(" stratified by ").append(stratifyBy);
      }
    }
    s.append(String.format("  records         %d%s%n", written, how));
    s.append(String.format("  output          %s (%s)%n", file == null ? "standard output" : file.path(), format));
    s.append(String.format("  eval_datasets   %d inserted, %d updated, %d unchanged; %s%n", o.inserted(),
        o.updated(), o.unchanged(), o.committed() ? "version " + o.version() + " of " + w.path(
            TableNames.EVAL_DATASETS) : "nothing to commit"));
    return s.toString();
  }

  private int listDatasets() {
    SparkSession spark = Sessions.getOrCreate("tracelake eval-dataset");
    Warehouse w = Warehouse.openForRead(spark, warehouse);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (!w.exists(TableNames.EVAL_DATASETS)) {
      out.println("no evaluation datasets in " + warehouse + " yet; build one with 'tracelake eval-dataset --name'");
      return 0;
    }
    List<Row> rows = EvalDatasetTable.list(w).collectAsList();
    out.printf("%-32s %8s  %-27s %-27s%n", "dataset", "records", "created", "last update");
    for (Row r : rows) {
      out.printf("%-32s %8d  %-27s %-27s%n", r.getString(0), r.getLong(1), r.get(2), r.get(3));
    }
    out.println(rows.size() + " dataset(s)");
    return 0;
  }
}
