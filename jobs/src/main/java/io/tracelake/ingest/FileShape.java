package io.tracelake.ingest;

/** The shape of one input file, found from its first bytes (no flag needed). */
public enum FileShape {
  /** One JSON value per line: {@code Trace.to_json()} lines, or a saved frame's {@code to_json(lines=True)}. */
  JSON_LINES("jsonl", true),
  /** A JSON array of traces (or of saved frame rows). */
  JSON_ARRAY("json-array", false),
  /**
   * The {@code {"traces": [...], "next_page_token": ...}} envelope of {@code mlflow traces search --output json}, or
   * Databricks' {@code {"trace_infos": [...]}} of traces stored in Unity Catalog.
   */
  SEARCH_ENVELOPE("search-envelope", false),
  /** One or more pretty-printed JSON documents, e.g. {@code mlflow traces get} output. */
  JSON_DOCUMENT("json-document", false),
  /** A saved {@code search_traces()} frame written with {@code to_parquet}. */
  PARQUET("parquet", false),
  /** No bytes, or only white space: nothing to read. */
  EMPTY("empty", false),
  /** Neither JSON nor Parquet: quarantined whole as {@code not_an_export}. */
  NOT_AN_EXPORT("not-an-export", false),
  /** Could not be read at all (I/O error, corrupt gzip): quarantined whole as {@code unreadable_file}. */
  UNREADABLE("unreadable", false);

  private final String label;
  private final boolean lineOriented;

  FileShape(String label, boolean lineOriented) {
    this.label = label;
    this.lineOriented = lineOriented;
  }

  public String label() {
    return label;
  }

  /** Whether records are lines, so that one bad record is skipped and reading goes on with the next line. */
  public boolean lineOriented() {
    return lineOriented;
  }

  /** Parses the {@code --format} override: a label above, or {@code auto}. */
  public static FileShape fromLabel(String label) {
    for (FileShape s : values()) {
      if (s.label.equals(label) && s != EMPTY && s != NOT_AN_EXPORT && s != UNREADABLE) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown format '" + label
        + "'; valid: auto, jsonl, json-array, search-envelope, json-document, parquet");
  }
}
