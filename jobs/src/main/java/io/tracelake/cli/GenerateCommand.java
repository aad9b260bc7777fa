package io.tracelake.cli;

import io.tracelake.Progress;
import io.tracelake.UserInputException;
import io.tracelake.generate.TraceGenerator;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Writes a realistic MLflow 3 trace export (Trace.to_json(), 3.5.1+ shape, JSON lines). "
        + "The same options and seed always write the same bytes.")
public final class GenerateCommand implements Callable<Integer> {

  @Option(names = "--traces", required = true, paramLabel = "N", description = "Number of traces.")
  long traces;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if needed).")
  Path out;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--days", defaultValue = "30", description = "Days the traces spread over (default: "
      + "${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--start", defaultValue = "2025-11-01", paramLabel = "DATE",
      description = "First UTC day, yyyy-MM-dd (default: ${DEFAULT-VALUE}).")
  String start;

  @Option(names = "--users", paramLabel = "U", description = "Number of users (default: traces / 50, 10 to 100000).")
  Integer users;

  @Option(names = "--files", paramLabel = "F", description = "Number of files (default: one per 250,000 traces).")
  Integer files;

  @Option(names = "--gzip", description = "Gzip each file (.jsonl.gz).")
  boolean gzip;

  @Option(names = "--threads", defaultValue = "2", description = "Writer threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Override
  public Integer call() throws Exception {
    if (traces < 1 || days < 1 || threads < 1 || (users != null && users < 1) || (files != null && files < 1)) {
      throw new UserInputException("--traces, --days, --users, --files and --threads must be at least 1");
    }
    LocalDate first;
    try {
      first = LocalDate.parse(start);
    } catch (java.time.format.DateTimeParseException e) {
      throw new UserInputException("Invalid --start '" + start + "': expected a date like 2025-11-01");
    }
    int u = users != null ? users : (int) Math.max(10, Math.min(100_000, traces / 50));
    int f = files != null ? files : (int) Math.max(1, (traces + 249_999) / 250_000);
    Progress progress = new Progress("generate");
    TraceGenerator generator = new TraceGenerator(new TraceGenerator.Spec(traces, seed, days, u, f, gzip, first));
    List<Path> written = generator.writeTo(out, threads);
    long bytes = 0;
    for (Path p : written) {
      bytes += java.nio.file.Files.size(p);
    }
    System.out.printf("Wrote %,d traces (%,d users, %d days from %s) to %d file(s) in %s: %,.1f MB in %s%n",
        traces, u, days, first, written.size(), out, bytes / 1e6, progress.elapsed());
    return 0;
  }
}
