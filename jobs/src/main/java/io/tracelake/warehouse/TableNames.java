package io.tracelake.warehouse;

import io.tracelake.schema.IngestTables;
import io.tracelake.schema.RunSchemas;

/**
 * The tables under a warehouse folder; each is a Delta table in the sub-folder of its name. The names of declared
 * tables come from their declarations ({@link IngestTables}, {@link RunSchemas}).
 */
public final class TableNames {

  private TableNames() {}

  public static final String TRACES = IngestTables.TRACES.name();
  public static final String QUARANTINE = IngestTables.QUARANTINE.name();
  public static final String SPANS = IngestTables.SPANS.name();
  /** Every span received in OTLP/JSON files, kept so a trace whose spans arrive over several runs ends complete. */
  public static final String OTLP_SPANS = "otlp_spans";
  public static final String INGEST_RUNS = RunSchemas.INGEST_RUNS.name();
  public static final String ANALYTICS_RUNS = RunSchemas.ANALYTICS_RUNS.name();
  public static final String EVAL_DATASETS = "eval_datasets";
}
