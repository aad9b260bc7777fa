package io.tracelake.schema;

/** Column names of the {@code traces_quarantine} table. */
public final class QuarantineColumns {

  private QuarantineColumns() {}

  public static final String QUARANTINE_ID = "quarantine_id";
  public static final String SOURCE_FILE = "source_file";
  public static final String POSITION = "position";
  public static final String LINE_NUMBER = "line_number";
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  public static final String RAW = "raw";
  public static final String RAW_TRUNCATED = "raw_truncated";
  public static final String INGESTED_AT = "ingested_at";
  public static final String RUN_ID = "run_id";
}
