package io.tracelake.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.cli.TracelakeCli;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code release-compare}: every point figure against a computation in plain Java over the same traces; intervals
 * that are reproducible, contain the observed difference and exclude 0 only for a real change; the gate's exit codes;
 * bad input named in one line.
 */
class ReleaseCompareTest {

  record Trace(String id, String version, String environment, String user, String session, String state,
      Long durationMs, long tokens, boolean thumbsDown, Double cost) {}

  private static final List<Trace> TRACES = new ArrayList<>();
  private static Path warehouse;

  @BeforeAll
  static void warehouse() throws IOException {
    SparkSession spark = SharedSpark.session();
    Random random = new Random(3);
    for (String version : List.of("1.0", "2.0")) {
      boolean candidate = version.equals("2.0");
      for (int s = 0; s < 150; s++) {
        String session = random.nextInt(10) == 0 ? null : version + "-s" + s;
        int turns = session == null ? 1 : 1 + random.nextInt(candidate ? 6 : 4);
        for (int t = 0; t < turns; t++) {
          boolean error = random.nextDouble() < (candidate ? 0.30 : 0.05);
          Long duration = random.nextInt(20) == 0 ? null : (long) (100 + random.nextInt(candidate ? 900 : 1000));
          TRACES.add(new Trace("t-" + version + "-" + s + "-" + t, version,
              random.nextInt(5) == 0 ? "staging" : "production", "u" + random.nextInt(60), session,
              error ? "ERROR" : "OK", duration, 10 + random.nextInt(50), random.nextInt(8) == 0,
              random.nextInt(6) == 0 ? null : (candidate ? 0.002 : 0.001) * (1 + random.nextInt(10))));
        }
      }
    }
    TRACES.add(new Trace("t-other", "0.1", "production", "u1", null, "OK", 5L, 1, false, null));
    warehouse = SharedSpark.tempDir("wh-release");
    Path file = SharedSpark.tempDir("release-export").resolve("traces.jsonl");
    Files.write(file, TRACES.stream().map(ReleaseCompareTest::line).toList());
    IngestJob.run(spark, ConfigLoader.defaults(), new IngestJob.Options(List.of(file.toString()),
        warehouse.toString(), null));
  }

  private static ReleaseComparison.Result compare(String environment, long seed) {
    Warehouse w = Warehouse.openForRead(SharedSpark.session(), warehouse.toString());
    return ReleaseComparison.compare(w.read(TableNames.TRACES),
        new ReleaseComparison.Options("1.0", "2.0", environment, null, null, 500, seed));
  }

  @Test
  void pointFiguresEqualAPlainComputation() {
    ReleaseComparison.Result result = compare("production", 7);
    for (String version : List.of("1.0", "2.0")) {
      List<Trace> mine = TRACES.stream().filter(t -> t.version().equals(version)
          && t.environment().equals("production")).toList();
      Map<String, Double> expected = figures(mine);
      for (ReleaseComparison.Metric m : result.metrics()) {
        double actual = version.equals("1.0") ? m.baseline() : m.candidate();
        assertEquals(expected.get(m.name()), actual, 1e-9, version + " " + m.name());
      }
    }
  }

  @Test
  void intervalsAreReproducibleContainTheDifferenceAndFlagOnlyARealChange() {
    ReleaseComparison.Result first = compare(null, 11);
    ReleaseComparison.Result again = compare(null, 11);
    assertEquals(first, again, "the same seed, the same intervals");
    for (ReleaseComparison.Metric m : first.metrics()) {
      if (m.hasInterval()) {
        assertTrue(m.low() <= m.difference() && m.difference() <= m.high(), m.toString());
      }
    }
    assertTrue(first.metric("error_rate").significant(), "errors went from 5 % to 30 %");
    assertTrue(first.metric("turns_per_session").significant(), "sessions got longer");
    assertTrue(first.metric("cost_per_trace").significant(), "traces cost twice as much");
    assertTrue(!first.metric("tokens_per_trace").significant(), "tokens did not change: " + first.metric(
        "tokens_per_trace"));
  }

  @Test
  void theGateFailsOnlyWhenTheWholeIntervalIsPastTheThreshold() {
    String[] base = {"release-compare", "--warehouse", warehouse.toString(), "--baseline", "1.0", "--candidate",
        "2.0", "--resamples", "300"};
    assertEquals(1, run(base, "--fail-if", "error_rate > +0.05"));
    assertTrue(out.contains("release gate: FAILED") && out.contains("error_rate > +0.05"), out);
    assertEquals(0, run(base, "--fail-if", "error_rate > +0.5", "--fail-if", "tokens_per_trace > +50%",
        "--format", "markdown"));
    assertTrue(out.contains("| metric | 1.0 | 2.0 | difference | 95% interval |  |"), out);
    assertTrue(out.contains("release gate: passed (2 threshold(s))"), out);
    assertEquals(1, run(base, "--fail-if", "turns_per_session > +10%"));
    assertEquals(0, run(base, "--fail-if", "p95_duration_ms < -50%", "--format", "json"));
    assertTrue(out.contains("\"metric\" : \"p95_duration_ms\""), out);
  }

  @Test
  void badInputIsOneLineAndExitCode2() {
    String[] base = {"release-compare", "--warehouse", warehouse.toString(), "--baseline", "1.0"};
    assertEquals(2, run(base, "--candidate", "9.9"));
    assertTrue(err.contains("No traces of app_version '9.9'") && err.contains("versions with traces: 0.1, 1.0, 2.0"),
        err);
    assertEquals(2, run(base, "--candidate", "2.0", "--fail-if", "latency > +10%"));
    assertTrue(err.contains("unknown metric 'latency'; valid: error_rate, p50_duration_ms"), err);
    assertEquals(2, run(base, "--candidate", "2.0", "--fail-if", "p95 up a lot"));
    assertTrue(err.contains("Invalid --fail-if 'p95 up a lot'"), err);
    assertEquals(2, run(base, "--candidate", "2.0", "--format", "yaml"));
    assertTrue(err.contains("Invalid --format 'yaml'"), err);
  }

  private String out;
  private String err;

  private int run(String[] base, String... more) {
    String[] args = Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringWriter errors = new StringWriter();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      var cli = TracelakeCli.commandLine();
      cli.setErr(new PrintWriter(errors, true));
      return cli.execute(args);
    } finally {
      System.setOut(original);
      out = captured.toString(StandardCharsets.UTF_8);
      err = errors.toString();
    }
  }

  /** The metrics, computed plainly: ratios of sums, pandas-style quantiles, traces per session. */
  private static Map<String, Double> figures(List<Trace> traces) {
    double n = traces.size();
    double[] durations = traces.stream().filter(t -> t.durationMs() != null).mapToDouble(Trace::durationMs)
        .sorted().toArray();
    List<Trace> inSessions = traces.stream().filter(t -> t.session() != null).toList();
    long sessions = inSessions.stream().map(Trace::session).distinct().count();
    List<Trace> costed = traces.stream().filter(t -> t.cost() != null).toList();
    double sessionCost = inSessions.stream().filter(t -> t.cost() != null).mapToDouble(Trace::cost).sum();
    return Map.ofEntries(
        Map.entry("cost_per_trace", costed.stream().mapToDouble(Trace::cost).sum() / costed.size()),
        Map.entry("cost_per_session", sessionCost / sessions),
        Map.entry("traces", n),
        Map.entry("sessions", (double) sessions),
        Map.entry("users", (double) traces.stream().map(Trace::user).collect(Collectors.toCollection(HashSet::new))
            .size()),
        Map.entry("error_rate", traces.stream().filter(t -> t.state().equals("ERROR")).count() / n),
        Map.entry("p50_duration_ms", pandasQuantile(durations, 0.5)),
        Map.entry("p95_duration_ms", pandasQuantile(durations, 0.95)),
        Map.entry("tokens_per_trace", traces.stream().mapToLong(Trace::tokens).sum() / n),
        Map.entry("turns_per_session", inSessions.size() / (double) sessions),
        Map.entry("negative_feedback_rate", traces.stream().filter(Trace::thumbsDown).count() / n));
  }

  /** pandas' Series.quantile (linear): the value at rank (n - 1) * p, interpolated. */
  private static double pandasQuantile(double[] sorted, double p) {
    double rank = (sorted.length - 1) * p;
    int below = (int) rank;
    return below + 1 < sorted.length ? sorted[below] + (rank - below) * (sorted[below + 1] - sorted[below])
        : sorted[below];
  }

  private static String line(Trace t) {
    String session = t.session() == null ? "" : ", \"mlflow.trace.session\": \"" + t.session() + "\"";
    String assessments = !t.thumbsDown() ? "[]" : "[{\"assessment_id\": \"a-" + t.id() + "\", "
        + "\"assessment_name\": \"user_satisfaction\", \"source\": {\"source_type\": \"HUMAN\"}, "
        + "\"create_time\": \"2025-11-03T12:00:01Z\", \"feedback\": {\"value\": false}}]";
    String duration = t.durationMs() == null ? "" : ", \"execution_duration_ms\": " + t.durationMs();
    return "{\"info\": {\"trace_id\": \"" + t.id() + "\", \"request_time\": \"" + Instant.parse(
        "2025-11-03T12:00:00Z") + "\", \"state\": \"" + t.state() + "\"" + duration + ", \"trace_metadata\": {"
        + "\"mlflow.trace.user\": \"" + t.user() + "\"" + session + ", \"app_version\": \"" + t.version() + "\", "
        + "\"mlflow.source.type\": \"" + t.environment() + "\", \"mlflow.trace.tokenUsage\": "
        + "\"{\\\"input_tokens\\\": 0, \\\"output_tokens\\\": " + t.tokens() + ", \\\"total_tokens\\\": "
        + t.tokens() + "}\"" + (t.cost() == null ? "" : ", \"mlflow.trace.cost\": \"{\\\"total_cost\\\": "
        + t.cost() + "}\"") + "}, \"assessments\": " + assessments + "}}";
  }
}
