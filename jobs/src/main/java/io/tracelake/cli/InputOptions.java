package io.tracelake.cli;

import io.tracelake.UserInputException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What {@code ingest} and {@code run} read: export files and folders, tables of traces, or both. */
public final class InputOptions {

  @Option(names = "--input", arity = "1..*", paramLabel = "PATH",
      description = "Export files or folders (read recursively; names starting with . or _ are skipped).")
  List<String> paths = new ArrayList<>();

  @Option(names = "--input-table", arity = "1..*", paramLabel = "NAME_OR_PATH",
      description = "Tables of traces in the shape of MLflow's trace unified view (Unity Catalog), by name "
          + "(catalog.schema.mlflow_experiment_trace_unified) or by Delta path; read whole on every run.")
  List<String> tables = new ArrayList<>();

  @Option(names = "--input-otel", arity = "1..*", paramLabel = "TABLE_OR_PREFIX",
      description = "MLflow's OpenTelemetry spans tables in Unity Catalog (catalog.schema.prefix_otel_spans, or "
          + "the prefix catalog.schema.prefix, or a Delta path), with the annotations table beside each; read whole "
          + "on every run.")
  List<String> otelTables = new ArrayList<>();

  /** Fails with one line when none is given. */
  void validate() {
    if (paths.isEmpty() && tables.isEmpty() && otelTables.isEmpty()) {
      throw new UserInputException("Give --input PATH... (export files or folders), --input-table NAME_OR_PATH..."
          + " (tables of traces), --input-otel TABLE_OR_PREFIX... (OpenTelemetry tables), or several");
    }
  }
}
