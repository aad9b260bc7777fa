package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.ingest.IngestSummary;
import picocli.CommandLine.Option;

/** The options of the commands that ingest once ({@code ingest}, {@code run}): re-reading, and a quarantine alarm. */
public final class IngestChecks {

  @Option(names = "--reread",
      description = "Read every input file again, also those an earlier ingest already read and that have not "
          + "changed since (skipped by default). Use it after changing the column mapping in the config.")
  boolean reread;

  @Option(names = "--max-quarantine-rate", paramLabel = "R",
      description = "Exit with code 1 (after committing everything) when more than this share of the records read "
          + "was quarantined, e.g. 0.05 for 5 %%. Default: no limit.")
  Double maxQuarantineRate;

  /** Checks the option before any work starts. */
  void validate() {
    if (maxQuarantineRate != null && (maxQuarantineRate.isNaN() || maxQuarantineRate < 0 || maxQuarantineRate > 1)) {
      throw new UserInputException("Invalid --max-quarantine-rate " + maxQuarantineRate
          + ": give a share between 0 and 1, e.g. 0.05");
    }
  }

  /** Exit code 1 with one line when the run quarantined more than the allowed share; else nothing. */
  void check(IngestSummary summary) {
    if (maxQuarantineRate == null || summary.recordsRead() == 0) {
      return;
    }
    double rate = (double) summary.quarantined() / summary.recordsRead();
    if (rate > maxQuarantineRate) {
      throw new CheckFailedException(String.format("%.1f %% of the %,d records read were quarantined (%,d), more "
          + "than --max-quarantine-rate %s allows; everything was committed, see the traces_quarantine table",
          rate * 100, summary.recordsRead(), summary.quarantined(), maxQuarantineRate));
    }
  }

  /** A finished job whose outcome fails a check the user asked for: one line, exit code 1. */
  public static final class CheckFailedException extends RuntimeException {
    CheckFailedException(String message) {
      super(message);
    }
  }
}
