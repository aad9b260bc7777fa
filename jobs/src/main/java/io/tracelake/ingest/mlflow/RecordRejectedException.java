package io.tracelake.ingest.mlflow;

/** A record that cannot become a canonical trace, with the reason it goes to quarantine. */
public final class RecordRejectedException extends Exception {

  private final QuarantineReason reason;

  public RecordRejectedException(QuarantineReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public QuarantineReason reason() {
    return reason;
  }

  public String detail() {
    return getMessage();
  }
}
