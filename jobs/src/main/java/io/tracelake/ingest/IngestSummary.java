package io.tracelake.ingest;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What one ingest run did, for the run summary and the {@code ingest_runs} table. */
public record IngestSummary(
    String runId,
    String warehouse,
    long filesRead,
    long filesSkipped,
    Map<String, Long> filesByShape,
    long recordsRead,
    long tracesParsed,
    long duplicatesInInput,
    long inserted,
    long updated,
    long unchanged,
    long quarantined,
    Map<String, Long> quarantinedByReason,
    List<LocalDate> touchedDates,
    long tracesTableRows,
    long quarantineTableRows,
    long spansInserted,
    long spansDeleted,
    /* rows of the spans table; -1 when ingest.spans is off */
    long spansTableRows,
    List<String> warnings,
    /* OTLP lines of another signal (metrics, logs, profiles), skipped */
    long otlpLinesSkipped,
    double seconds) {

  /** A summary a person can read at the end of a run. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("Ingest finished in %.1f s (run %s)%n", seconds, runId));
    out.append(String.format("  files read      %,d%s%n", filesRead, counts(filesByShape)));
    if (filesSkipped > 0) {
      out.append(String.format("  files skipped   %,d  (unchanged since an earlier ingest read them; --reread reads "
          + "them again)%n", filesSkipped));
    }
    out.append(String.format("  records read    %,d%n", recordsRead));
    if (otlpLinesSkipped > 0) {
      out.append(String.format("  skipped         %,d OTLP line(s) of another signal (metrics, logs): only traces "
          + "are read%n", otlpLinesSkipped));
    }
    out.append(String.format("  traces          %,d parsed: %,d inserted, %,d updated, %,d unchanged, "
        + "%,d duplicates within the input%n", tracesParsed, inserted, updated, unchanged, duplicatesInInput));
    out.append(String.format("  quarantined     %,d%s%n", quarantined, counts(quarantinedByReason)));
    out.append(String.format("  dates touched   %s%n", dates()));
    if (spansTableRows < 0) {
      out.append("  spans           not written (ingest.spans is false)\n");
    } else {
      out.append(String.format("  spans           %,d inserted, %,d of replaced trace versions deleted%n",
          spansInserted, spansDeleted));
    }
    out.append(String.format("  tables          %s/traces (%,d rows), %s/traces_quarantine (%,d rows)%s%n",
        warehouse, tracesTableRows, warehouse, quarantineTableRows,
        spansTableRows < 0 ? "" : String.format(", %s/spans (%,d rows)", warehouse, spansTableRows)));
    warnings.forEach(w -> out.append("  WARNING         ").append(w).append('\n'));
    return out.toString();
  }

  private static String counts(Map<String, Long> byKey) {
    if (byKey.isEmpty()) {
      return "";
    }
    return byKey.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
        .collect(Collectors.joining(", ", "  (", ")"));
  }

  private String dates() {
    if (touchedDates.isEmpty()) {
      return "none";
    }
    if (touchedDates.size() == 1) {
      return touchedDates.get(0).toString();
    }
    return touchedDates.get(0) + " .. " + touchedDates.get(touchedDates.size() - 1) + " (" + touchedDates.size()
        + " dates)";
  }
}
