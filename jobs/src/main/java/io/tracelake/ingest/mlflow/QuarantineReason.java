package io.tracelake.ingest.mlflow;

/** Why a record (or a whole file) went to {@code traces_quarantine}. The code is what the table stores. */
public enum QuarantineReason {
  MALFORMED_JSON("malformed_json"),
  MISSING_TRACE_ID("missing_trace_id"),
  MISSING_REQUEST_TIME("missing_request_time"),
  INVALID_REQUEST_TIME("invalid_request_time"),
  INVALID_FIELD("invalid_field"),
  UNKNOWN_SHAPE("unknown_shape"),
  NOT_AN_EXPORT("not_an_export"),
  UNREADABLE_FILE("unreadable_file"),
  OVER_LIMIT("over_limit");

  private final String code;

  QuarantineReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
