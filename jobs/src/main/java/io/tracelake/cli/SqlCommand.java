package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.export.CsvOutput;
import io.tracelake.analytics.WarehouseTables;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.InsertIntoStatement;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import picocli.CommandLine.Parameters;

/** Spark SQL over the warehouse, each table by its name; queries only. */
@picocli.CommandLine.Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"Runs one Spark SQL query with every warehouse table available by its name (traces, spans, "
        + "traces_quarantine, ingest_runs, analytics_runs, traces_flat, daily_user_activity, version_breakdown, "
        + "feedback_daily, session_turns, sessions, session_paths, turn_dropoff, user_summary, version_summary, environment_summary, active_users, "
        + "user_retention, span_daily, eval_datasets), e.g.",
        "  tracelake sql --warehouse warehouse \"SELECT reason, count(*) FROM traces_quarantine GROUP BY reason\"",
        "Statements that write or change anything are rejected."})
public final class SqlCommand implements Callable<Integer> {

  @picocli.CommandLine.Option(names = "--warehouse", required = true, paramLabel = "DIR") String warehouse;

  @picocli.CommandLine.Option(names = "--format", defaultValue = "table",
      description = "table (default), csv or json (one object per line).")
  String format;

  @picocli.CommandLine.Option(names = "--max-rows", defaultValue = "100", paramLabel = "N",
      description = "Print at most N rows (default: ${DEFAULT-VALUE}).")
  int maxRows;

  @Parameters(index = "0", paramLabel = "QUERY", description = "A SELECT (or WITH ... SELECT) statement.")
  String query;

  @Override
  public Integer call() {
    if (!List.of("table", "csv", "json").contains(format)) {
      throw new UserInputException("Invalid --format '" + format + "': valid values are table, csv, json");
    }
    if (maxRows < 1) {
      throw new UserInputException("Invalid --max-rows " + maxRows + ": give at least 1");
    }
    SparkSession spark = Sessions.getOrCreate("tracelake sql");
    requireQuery(spark, query);
    Warehouse wh = Warehouse.openForRead(spark, warehouse);
    for (String table : WarehouseTables.all()) {
      if (wh.exists(table)) {
        wh.read(table).createOrReplaceTempView(table);
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try {
      Dataset<Row> result = spark.sql(query).limit(maxRows);
      switch (format) {
        case "csv" -> CsvOutput.write(out, List.of(result.columns()), result.toLocalIterator(),
            CsvOutput::allFields);
        case "json" -> result.toJSON().toLocalIterator().forEachRemaining(line -> out.print(line + "\n"));
        default -> out.print(table(result.columns(), result.collectAsList()));
      }
    } catch (Exception e) {  // an unknown table or column, a type error, a failing function: the query's own mistake
      throw new UserInputException("Cannot run the query: " + firstLine(e.getMessage()));
    }
    out.flush();
    return 0;
  }

  /** Fails with one line unless the statement is a query: no DDL, no DML, no commands. */
  static void requireQuery(SparkSession spark, String sql) {
    LogicalPlan plan;
    try {
      plan = spark.sessionState().sqlParser().parsePlan(sql);
    } catch (ParseException e) {
      throw new UserInputException("Invalid SQL: " + firstLine(e.getMessage()));
    }
    boolean writes = plan.find(node -> node instanceof Command || node instanceof InsertIntoStatement).isDefined();
    if (writes) {
      throw new UserInputException("Only queries are allowed (SELECT, WITH ... SELECT, VALUES, TABLE); this "
          + "statement would write or change something: " + firstLine(sql));
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().lines().findFirst().orElse("");
  }

  static String table(String[] columns, List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    int[] widths = new int[columns.length];
    for (int i = 0; i < columns.length; i++) {
      widths[i] = columns[i].length();
    }
    for (Row r : rows) {
      String[] line = new String[columns.length];
      for (int i = 0; i < columns.length; i++) {
        String s = r.isNullAt(i) ? "null" : String.valueOf(r.get(i)).replace('\n', ' ');
        line[i] = s.length() > 60 ? s.substring(0, 59) + "…" : s;
        widths[i] = Math.max(widths[i], line[i].length());
      }
      cells.add(line);
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, columns, widths);
    for (String[] line : cells) {
      appendLine(out, line, widths);
    }
    out.append(rows.size()).append(rows.size() == 1 ? " row\n" : " rows\n");
    return out.toString();
  }

  private static void appendLine(StringBuilder out, String[] cells, int[] widths) {
    for (int i = 0; i < cells.length; i++) {
      out.append(String.format("%-" + widths[i] + "s", cells[i])).append(i + 1 < cells.length ? "  " : "\n");
    }
  }
}
