package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.reports.ReleaseComparison;
import io.tracelake.reports.ReleaseGate;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tracelake release-compare}: two releases side by side, with intervals, and a release gate. */
@Command(name = "release-compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compares two app versions: traces, sessions, users, error rate, p50/p95 latency, tokens per "
        + "trace, turns per session and negative-feedback rate, with the difference and its 95% bootstrap interval "
        + "(sessions as the resampling unit). With --fail-if it is a release gate: exit 1 when the whole interval "
        + "of a metric is past a threshold.",
        "  tracelake release-compare --warehouse warehouse --baseline 1.4.2 --candidate 1.5.0 --environment "
            + "production --fail-if \"p95_duration_ms > +10%\" --fail-if \"error_rate > +0.02\""})
public final class ReleaseCompareCommand implements Callable<Integer> {

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--baseline", required = true, paramLabel = "VERSION", description = "The app_version to "
      + "compare against.")
  String baseline;

  @Option(names = "--candidate", required = true, paramLabel = "VERSION", description = "The new app_version.")
  String candidate;

  @Option(names = "--environment", paramLabel = "ENV", description = "Only traces of this environment.")
  String environment;

  @Option(names = "--from", paramLabel = "DATE", description = "First UTC request date (yyyy-MM-dd).")
  String from;

  @Option(names = "--to", paramLabel = "DATE", description = "Last UTC request date (yyyy-MM-dd).")
  String to;

  @Option(names = "--fail-if", paramLabel = "EXPR", description = "A threshold on the difference, e.g. "
      + "\"p95_duration_ms > +10%\", \"error_rate > +0.02\", \"negative_feedback_rate > +5%\" (repeatable); "
      + "metrics: error_rate, p50_duration_ms, p95_duration_ms, tokens_per_trace, cost_per_trace, "
      + "turns_per_session, cost_per_session, negative_feedback_rate.")
  List<String> failIf = new ArrayList<>();

  @Option(names = "--format", defaultValue = "text", description = "text (default), json or markdown.")
  String format;

  @Option(names = "--resamples", defaultValue = "" + ReleaseComparison.DEFAULT_RESAMPLES,
      description = "Bootstrap resamples (default: ${DEFAULT-VALUE}; 100 to 100000).")
  int resamples;

  @Option(names = "--seed", defaultValue = "" + ReleaseComparison.DEFAULT_SEED,
      description = "Seed of the resampling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    if (!List.of("text", "json", "markdown").contains(format)) {
      throw new UserInputException("Invalid --format '" + format + "': valid values are text, json, markdown");
    }
    if (resamples < 100 || resamples > 100_000) {
      throw new UserInputException("Invalid --resamples " + resamples + ": give 100 to 100000");
    }
    if (baseline.equals(candidate)) {
      throw new UserInputException("--baseline and --candidate are both '" + baseline + "': give two versions");
    }
    List<ReleaseGate> gates = failIf.stream().map(ReleaseGate::parse).toList();
    LocalDate first = Dates.date("--from", from);
    LocalDate last = Dates.date("--to", to);
    Dates.checkRange(first, last);
    Warehouse w = ReportCommands.warehouse(warehouse);
    Dataset<Row> traces = w.read(TableNames.TRACES);
    ReleaseComparison.Options options = new ReleaseComparison.Options(baseline, candidate, environment, first, last,
        resamples, seed);
    String missing = ReleaseComparison.missingRelease(traces, options, warehouse);
    if (missing != null) {
      throw new UserInputException(missing);
    }
    ReleaseComparison.Result result = ReleaseComparison.compare(traces, options);
    List<String> failures = gates.stream().map(g -> g.failure(result)).filter(Objects::nonNull).toList();
    if (format.equals("json")) {
      var json = ReleaseComparison.json(result);
      json.put("failed", failures);
      System.out.print(OutputFormat.JSON.render("", json));
    } else {
      System.out.print(ReleaseComparison.table(result, format.equals("markdown")));
    }
    if (!failures.isEmpty()) {
      System.out.println("release gate: FAILED");
      failures.forEach(f -> System.out.println("  " + f));
      return 1;
    }
    if (!gates.isEmpty()) {
      System.out.printf("release gate: passed (%d threshold(s))%n", gates.size());
    }
    return 0;
  }
}
