package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.config.ConfigException;
import io.tracelake.spark.SparkLogging;
import io.tracelake.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tracelake} command and its sub-commands. {@code main} only parses, runs and exits. */
@Command(name = "tracelake", mixinStandardHelpOptions = true, version = "tracelake 0.1.0",
    description = "Batch analytics on MLflow trace exports with Apache Spark and Delta Lake.",
    subcommands = {RunCommand.class, WatchCommand.class, IngestCommand.class, AnalyticsCommand.class,
        ReportCommands.UserReportCommand.class, ReportCommands.SessionFlowCommand.class,
        ReportCommands.BreakdownCommand.class, SearchCommand.class, EvalDatasetCommand.class, ReportCommand.class, ReleaseCompareCommand.class,
        SqlCommand.class, MaintainCommand.class,
        GenerateCommand.class})
public final class TracelakeCli implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: give one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  /**
   * Runs one command. In a process of its own (bin/tracelake, spark-submit) it stops the session it made and exits
   * with the command's code. Inside a Spark application that was already running (a Databricks JAR task) it is a
   * guest: it neither stops that session nor calls {@code System.exit}; a failure is an exception, which is how
   * such a task reports one.
   */
  public static void main(String[] args) {
    boolean guest = Sessions.existingSession();
    if (!guest) {
      SparkLogging.quietSparkDefaults();
    }
    int code = commandLine().execute(args);
    if (guest) {
      if (code != 0) {
        throw new IllegalStateException("tracelake " + String.join(" ", args) + " failed with exit code " + code);
      }
      return;
    }
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    System.exit(code);
  }

  /** The command line with Tracelake's error handling: a user's mistake is one line and exit code 2. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TracelakeCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      String command = commandLine.getCommandName();
      if (e instanceof UserInputException || e instanceof ConfigException
          || e instanceof io.tracelake.search.FilterException) {
        commandLine.getErr().println("tracelake " + command + ": " + e.getMessage());
        return 2;
      }
      if (e instanceof io.tracelake.warehouse.ConcurrentWrites.ConcurrentWriterException
          || e instanceof io.tracelake.warehouse.ConcurrentWrites.SupersededException
          || e instanceof IngestChecks.CheckFailedException) {
        commandLine.getErr().println("tracelake " + command + " failed: " + e.getMessage());
        return 1;
      }
      commandLine.getErr().println("tracelake " + command + " failed: " + e);
      e.printStackTrace(commandLine.getErr());
      return 1;
    });
    return cli;
  }
}
