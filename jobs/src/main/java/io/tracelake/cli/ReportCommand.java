package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.analytics.AnalyticsTables;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.reports.HtmlReport;
import io.tracelake.reports.ReportData;
import io.tracelake.search.SpanSource;
import io.tracelake.search.TraceFilter;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tracelake report}: the warehouse's figures and charts as one self-contained HTML file. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes one self-contained HTML report (charts inline, nothing loaded from the network): "
        + "headline figures, traces and active users per day, releases and environments, busiest users, session "
        + "lengths and idle gaps, feedback per version, the quarantine.",
        "  tracelake report --warehouse warehouse --output report.html"})
public final class ReportCommand implements Callable<Integer> {

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--output", required = true, paramLabel = "FILE.html", description = "The HTML file to write.")
  Path output;

  @Option(names = "--from", paramLabel = "DATE", description = "First UTC request date (yyyy-MM-dd).")
  String from;

  @Option(names = "--to", paramLabel = "DATE", description = "Last UTC request date (yyyy-MM-dd).")
  String to;

  @Option(names = "--filter", paramLabel = "FILTER",
      description = "Only traces matching this MLflow filter string; the daily figures are then computed over them "
          + "by the analytics job's own transformations.")
  String filter;

  @Mixin CommonOptions common;

  @Override
  public Integer call() throws IOException {
    LocalDate first = Dates.date("--from", from);
    LocalDate last = Dates.date("--to", to);
    Dates.checkRange(first, last);
    TraceFilter.check(filter);
    Path folder = output.toAbsolutePath().getParent();
    if (Files.isDirectory(output) || folder == null || !Files.isDirectory(folder)) {
      throw new UserInputException("Cannot write --output " + output + ": give a file in an existing folder");
    }
    TracelakeConfig config = common.load();
    SparkSession spark = Sessions.getOrCreate("tracelake report");
    Warehouse w = Warehouse.openForRead(spark, warehouse);
    for (String table : AnalyticsTables.all()) {
      if (!w.exists(table)) {
        throw new UserInputException("Warehouse " + warehouse + " has no " + table + " table; run 'tracelake "
            + "analytics --warehouse " + warehouse + "' first");
      }
    }
    Column where = filter == null ? null : TraceFilter.parse(filter, SpanSource.of(w));
    ReportData data = ReportData.read(w, first, last, where, config.analytics().categoryTag());
    String html = HtmlReport.render(data, new HtmlReport.Context(w.root(), from, to, filter,
        Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    Path partial = Files.createTempFile(folder, "." + output.getFileName(), ".partial");
    Files.writeString(partial, html, StandardCharsets.UTF_8);
    Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("tracelake report: wrote %s (%,d bytes): %s traces, %d days, %d app version(s)%n", output,
        html.length(), data.overall().getAs("interactions"), data.perDay().size(), data.perVersion().size());
    return 0;
  }
}
