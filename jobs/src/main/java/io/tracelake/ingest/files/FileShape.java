package io.tracelake.ingest.files;

/** The shape of one input file, found from its first bytes (no flag needed). */
public enum FileShape {
  /** One JSON value per line: {@code Trace.to_json()} lines, or a saved frame's {@code to_json(lines=True)}. */
  JSON_LINES("jsonl"),
  /** A JSON array of traces (or of saved frame rows). */
  JSON_ARRAY("json-array"),
  /**
   * The {@code {"traces": [...], "next_page_token": ...}} envelope of {@code mlflow traces search --output json}, or
   * Databricks' {@code {"trace_infos": [...]}} of traces stored in Unity Catalog.
   */
  SEARCH_ENVELOPE("search-envelope"),
  /** One or more pretty-printed JSON documents, e.g. {@code mlflow traces get} output. */
  JSON_DOCUMENT("json-document"),
  /**
   * OpenTelemetry OTLP/JSON: one {@code TracesData} object per line, as the Collector's file exporter writes it; spans
   * are grouped into traces across lines, files and runs.
   */
  OTLP_JSON("otlp-json"),
  /**
   * One trace as mlflow-export-import writes it: {@code traces/<id>/trace.json} ({@code {"system": …, "mlflow":
   * {"info": …, "data": …}}}), its spans in {@code artifacts/traces.json} beside it, read with it.
   */
  EXPORT_IMPORT("export-import"),
  /** A saved {@code search_traces()} frame written with {@code to_parquet}. */
  PARQUET("parquet"),
  /**
   * Not a file: a table of traces in the shape of MLflow's trace unified view (Unity Catalog), by name or Delta path,
   * given with {@code --input-table}.
   */
  TABLE("table"),
  /**
   * Not a file: MLflow's OpenTelemetry spans table in Unity Catalog (with its annotations table), given with
   * {@code --input-otel}; read by {@code ingest.otlp.OtelTables}.
   */
  OTEL_TABLE("otel-table"),
  /** No bytes, or only white space: nothing to read. */
  EMPTY("empty"),
  /** Neither JSON nor Parquet: quarantined whole as {@code not_an_export}. */
  NOT_AN_EXPORT("not-an-export"),
  /** Could not be read at all (I/O error, corrupt gzip): quarantined whole as {@code unreadable_file}. */
  UNREADABLE("unreadable");

  private final String label;

  FileShape(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Parses the {@code --format} override: a label above, or {@code auto}. */
  public static FileShape fromLabel(String label) {
    for (FileShape s : values()) {
      if (s.label.equals(label) && s != EMPTY && s != NOT_AN_EXPORT && s != UNREADABLE && s != TABLE
          && s != OTEL_TABLE) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown format '" + label
        + "'; valid: auto, jsonl, json-array, search-envelope, json-document, otlp-json, export-import, parquet");
  }
}
