package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.export.CsvOutput;
import io.tracelake.export.TraceDocuments;
import io.tracelake.schema.TraceColumns;
import io.tracelake.search.SpanSource;
import io.tracelake.search.TraceFilter;
import io.tracelake.search.TraceOrder;
import io.tracelake.search.TraceSearch;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "search", mixinStandardHelpOptions = true,
    description = {"Finds traces with an MLflow filter string, as mlflow.search_traces() does, e.g.",
        "  --filter \"metadata.`mlflow.trace.user` = 'user-123' AND trace.timestamp_ms > 1765000000000\"",
        "Extensions: OR, parentheses, canonical columns as keys (user_id, session_id, environment, app_version, ...), "
            + "feedback.<name> and expectation.<name>."})
public final class SearchCommand implements Callable<Integer> {

  @Option(names = "--warehouse", required = true, paramLabel = "DIR") String warehouse;

  @Option(names = "--filter", paramLabel = "FILTER", description = "MLflow filter string (default: all traces).")
  String filter;

  @Option(names = "--order-by", paramLabel = "ITEM",
      description = "\"<key> [ASC|DESC]\", repeatable (default: timestamp_ms DESC).")
  List<String> orderBy = new ArrayList<>();

  @Option(names = "--max-results", defaultValue = "100", paramLabel = "N",
      description = "At most N traces (default: ${DEFAULT-VALUE}).")
  int maxResults;

  @Option(names = "--format", defaultValue = "table",
      description = "table (default), json (one Trace.to_json() document per line, root span only) or csv.")
  String format;

  @Option(names = "--output", paramLabel = "PATH", description = "Write to this file instead of the terminal.")
  Path output;

  @Override
  public Integer call() throws IOException {
    if (maxResults < 1) {
      throw new UserInputException("Invalid --max-results " + maxResults + ": give at least 1");
    }
    if (!List.of("table", "json", "csv").contains(format)) {
      throw new UserInputException("Invalid --format '" + format + "': valid values are table, json, csv");
    }
    // Parse first: a bad filter or order-by fails before Spark starts.
    TraceFilter.check(filter);
    org.apache.spark.sql.Column[] order = TraceOrder.parse(orderBy);
    Warehouse w = ReportCommands.warehouse(warehouse);
    Dataset<Row> found = TraceSearch.search(w.read(TableNames.TRACES),
        TraceFilter.parse(filter, SpanSource.of(w)), order, maxResults);
    if (format.equals("json") && w.exists(TableNames.SPANS)) {
      found = TraceDocuments.withSpans(found, w.read(TableNames.SPANS)).orderBy(order);
    }
    if (format.equals("csv")) {
      return csv(found);
    }
    List<Row> rows = found.collectAsList();
    String text = format.equals("json") ? TraceDocuments.toJsonLines(rows) : table(rows);
    if (output != null) {
      Files.writeString(output, text, StandardCharsets.UTF_8);
      System.err.println("tracelake search: wrote " + rows.size() + " traces to " + output);
    } else {
      new PrintStream(System.out, true, StandardCharsets.UTF_8).print(text);
    }
    return 0;
  }

  /** The compact columns as CSV, streamed to the output file or standard output. */
  private int csv(Dataset<Row> found) throws IOException {
    OutputStream out = output == null ? System.out : Files.newOutputStream(output);
    long n;
    try {
      n = CsvOutput.write(out, COMPACT, found.toLocalIterator(),
          r -> COMPACT.stream().map(c -> (Object) r.getAs(c)).toList());
    } finally {
      if (output != null) {
        out.close();
      }
    }
    if (output != null) {
      System.err.println("tracelake search: wrote " + n + " traces to " + output);
    }
    return 0;
  }

  private static final List<String> COMPACT = List.of(TraceColumns.TRACE_ID, TraceColumns.REQUEST_TIME,
      TraceColumns.USER_ID, TraceColumns.SESSION_ID, TraceColumns.STATE, TraceColumns.EXECUTION_DURATION_MS,
      TraceColumns.APP_VERSION, TraceColumns.REQUEST_PREVIEW, TraceColumns.RESPONSE_PREVIEW);

  private static String cell(Row r, String column, int max) {
    Object v = r.getAs(column);
    String s = v == null ? "" : v.toString().replace('\n', ' ');
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  static String table(List<Row> rows) {
    int[] widths = {36, 24, 12, 20, 11, 8, 8, 30, 30};
    StringBuilder out = new StringBuilder();
    List<String> header = List.of("trace_id", "request_time", "user", "session", "state", "ms", "version",
        "request", "response");
    for (int i = 0; i < header.size(); i++) {
      out.append(String.format("%-" + widths[i] + "s ", header.get(i)));
    }
    out.append('\n');
    for (Row r : rows) {
      for (int i = 0; i < COMPACT.size(); i++) {
        out.append(String.format("%-" + widths[i] + "s ", cell(r, COMPACT.get(i), widths[i])));
      }
      out.append('\n');
    }
    out.append(rows.size()).append(" trace(s)\n");
    return out.toString();
  }


}
