package io.tracelake.warehouse;

/** The tables under a warehouse folder; each is a Delta table in the sub-folder of its name. */
public final class TableNames {

  private TableNames() {}

  public static final String TRACES = "traces";
  public static final String QUARANTINE = "traces_quarantine";
  public static final String SPANS = "spans";
  /** Every span received in OTLP/JSON files, kept so a trace whose spans arrive over several runs ends complete. */
  public static final String OTLP_SPANS = "otlp_spans";
  public static final String INGEST_RUNS = "ingest_runs";
  public static final String ANALYTICS_RUNS = "analytics_runs";
  public static final String EVAL_DATASETS = "eval_datasets";
}
