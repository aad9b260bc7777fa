package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.reports.Breakdown;
import io.tracelake.reports.SessionFlow;
import io.tracelake.reports.UserReport;
import io.tracelake.schema.TraceColumns;
import io.tracelake.search.SpanSource;
import io.tracelake.search.TraceFilter;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The tutorial's reports, computed on the warehouse's traces table. */
final class ReportCommands {

  private ReportCommands() {}

  static Warehouse warehouse(String warehouse) {
    SparkSession spark = Sessions.getOrCreate("tracelake report");
    return Warehouse.openForRead(spark, warehouse);
  }

  static Dataset<Row> traces(String warehouse) {
    return warehouse(warehouse).read(TableNames.TRACES);
  }

  /** The traces table restricted by an MLflow filter string; the filter is checked before Spark starts. */
  static Dataset<Row> traces(String warehouse, String filter) {
    TraceFilter.check(filter);
    Warehouse w = warehouse(warehouse);
    return w.read(TableNames.TRACES).where(TraceFilter.parse(filter, SpanSource.of(w)));
  }

  /** The options every report takes. */
  static final class ReportOptions {
    @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
    String warehouse;

    @Option(names = "--format", defaultValue = "text", description = "text (default) or json.")
    String format;

    @Option(names = "--filter", paramLabel = "FILTER",
        description = "Only traces matching this MLflow filter string, e.g. \"tag.query_category = 'billing'\".")
    String filter;
  }

  @Command(name = "user-report", mixinStandardHelpOptions = true,
      description = "The per-user activity report of MLflow's tutorial: interactions, unique sessions, daily "
          + "activity, query categories, average response time and error rate over the last N days.")
  static final class UserReportCommand implements Callable<Integer> {
    @Mixin ReportOptions report;
    @Option(names = "--user", required = true, paramLabel = "ID", description = "The user id (mlflow.trace.user).")
    String user;
    @Option(names = "--days", defaultValue = "7", description = "Window length (default: ${DEFAULT-VALUE}).")
    int days;
    @Option(names = "--as-of", paramLabel = "TIME",
        description = "End of the window, RFC 3339 or a date (default: now). Traces with request_time > "
            + "as-of - days count.")
    String asOf;
    @Mixin CommonOptions common;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.parse(report.format);
      if (days < 1) {
        throw new UserInputException("Invalid --days " + days + ": give a number of days of at least 1");
      }
      TracelakeConfig config = common.load();
      Dataset<Row> traces = traces(report.warehouse, report.filter);
      if (traces.where(traces.col(TraceColumns.USER_ID).equalTo(user)).isEmpty()) {
        throw new UserInputException("No traces for user '" + user + "' in " + report.warehouse
            + "; list users with the user_summary table or 'tracelake breakdown'");
      }
      UserReport report = UserReport.compute(traces, user, days, Dates.instant("--as-of", asOf),
          config.analytics().categoryTag());
      System.out.print(out.render(report.text(), report.json()));
      return 0;
    }
  }

  @Command(name = "session-flow", mixinStandardHelpOptions = true,
      description = "The turn-by-turn timeline of one session: turn, timestamp (epoch ms), duration, status, "
          + "response.")
  static final class SessionFlowCommand implements Callable<Integer> {
    @Mixin ReportOptions report;
    @Option(names = "--session", required = true, paramLabel = "ID",
        description = "The session id (mlflow.trace.session).") String session;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.parse(report.format);
      SessionFlow flow = SessionFlow.compute(traces(report.warehouse, report.filter), session);
      if (flow.turns().isEmpty()) {
        throw new UserInputException("No traces for session '" + session + "' in " + report.warehouse
            + "; list sessions with the sessions table");
      }
      System.out.print(out.render(flow.text(), flow.json()));
      return 0;
    }
  }

  @Command(name = "breakdown", mixinStandardHelpOptions = true,
      description = "Interactions and distinct users per app version, interactions per environment.")
  static final class BreakdownCommand implements Callable<Integer> {
    @Mixin ReportOptions report;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.parse(report.format);
      Breakdown b = Breakdown.compute(traces(report.warehouse, report.filter));
      System.out.print(out.render(b.text(), b.json()));
      return 0;
    }
  }
}
