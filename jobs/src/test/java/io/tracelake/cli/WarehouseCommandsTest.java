package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SamplesWarehouse;
import io.tracelake.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The launcher's commands that read a warehouse — {@code sql}, {@code search}, the three text reports,
 * {@code release-compare} and {@code eval-dataset} — run as a user runs them (the command line, its output and exit
 * code) over the samples' warehouse, each figure checked against Spark's own aggregate over the tables.
 */
class WarehouseCommandsTest {

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    SharedSpark.session();
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = TracelakeCli.commandLine();
      cli.setErr(new PrintWriter(err, true));
      int code = cli.execute(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(original);
    }
  }

  private static String warehouse() {
    return SamplesWarehouse.path().toString();
  }

  private static Dataset<Row> table(String name) {
    return SharedSpark.session().read().format("delta").load(SamplesWarehouse.path().resolve(name).toString());
  }

  @Test
  void sqlAnswersByTableNameAndRefusesAStatementThatWrites() {
    Result r = run("sql", "--warehouse", warehouse(),
        "SELECT reason, count(*) AS n FROM traces_quarantine GROUP BY reason");
    assertEquals(0, r.code(), r.err());
    List<Row> expected = table("traces_quarantine").groupBy("reason").count().collectAsList();
    assertTrue(expected.size() > 1, "the samples quarantine records for several reasons");
    for (Row e : expected) {
      assertTrue(Pattern.compile("(?m)^" + e.getString(0) + "\\s+" + e.getLong(1) + "\\s*$").matcher(r.out()).find(),
          e + " in\n" + r.out());
    }
    assertTrue(r.out().contains(expected.size() + " rows"), r.out());

    Result csv = run("sql", "--warehouse", warehouse(), "--format", "csv",
        "SELECT reason, count(*) AS n FROM traces_quarantine GROUP BY reason ORDER BY reason");
    assertEquals(0, csv.code(), csv.err());
    StringBuilder expectedCsv = new StringBuilder("reason,n\n");
    table("traces_quarantine").groupBy("reason").count().orderBy("reason").collectAsList()
        .forEach(e -> expectedCsv.append(e.getString(0)).append(',').append(e.getLong(1)).append('\n'));
    assertEquals(expectedCsv.toString(), csv.out());

    Result drop = run("sql", "--warehouse", warehouse(), "DROP TABLE traces");
    assertEquals(2, drop.code());
    assertTrue(drop.err().contains("Only queries are allowed"), drop.err());
    assertTrue(Files.isDirectory(SamplesWarehouse.path().resolve("traces")), "the table is still there");
  }

  @Test
  void searchTakesMlflowsSpanFiltersAndRefusesOneMlflowRejects() {
    Result r = run("search", "--warehouse", warehouse(), "--filter",
        "span.type = 'TOOL' AND span.status = 'ERROR'", "--max-results", "3");
    assertEquals(0, r.code(), r.err());
    // As MLflow reads it: each span condition holds for some span of the trace, not necessarily the same one.
    Set<String> matching = traceIds("span_type = 'TOOL'");
    matching.retainAll(traceIds("status_code = 'ERROR'"));
    Set<String> listed = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^(tr-\\S+)").matcher(r.out());
    while (m.find()) {
      listed.add(m.group(1));
    }
    assertEquals(Math.min(3, matching.size()), listed.size(), r.out());
    assertTrue(matching.containsAll(listed), listed + " not all in " + matching);

    Result bad = run("search", "--warehouse", warehouse(), "--filter", "span.duration = \"1000\"");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("Invalid span attribute 'duration'"), bad.err());
  }

  @Test
  void theTextReportsCountWhatTheTracesHold() {
    Result user = run("user-report", "--warehouse", warehouse(), "--user", "user-0001", "--days", "7", "--as-of",
        "2025-12-15");
    assertEquals(0, user.code(), user.err());
    // The seeds' window: traces after as-of minus the days.
    long interactions = table("traces").where("user_id = 'user-0001' AND request_time > TIMESTAMP'2025-12-08 "
        + "00:00:00Z'").count();
    assertTrue(interactions > 0);
    assertTrue(user.out().contains("Total interactions: " + interactions), user.out());

    Result flow = run("session-flow", "--warehouse", warehouse(), "--session", "s-env");
    assertEquals(0, flow.code(), flow.err());
    long turns = table("traces").where("session_id = 's-env'").count();
    assertTrue(flow.out().contains("Flow (" + turns + " turns)"), flow.out());

    Result breakdown = run("breakdown", "--warehouse", warehouse());
    assertEquals(0, breakdown.code(), breakdown.err());
    for (Row v : table("traces").groupBy("app_version").count().collectAsList()) {
      String version = v.isNullAt(0) ? "\\(none\\)" : Pattern.quote(v.getString(0));
      assertTrue(Pattern.compile("(?m)^" + version + "\\s+" + v.getLong(1) + "$").matcher(breakdown.out()).find(),
          v + " in\n" + breakdown.out());
    }
  }

  @Test
  void releaseCompareGatesOnTheSamplesReleases() {
    String[] base = {"release-compare", "--warehouse", warehouse(), "--baseline", "1.1.0", "--candidate", "1.2.0"};
    Result passed = run(concat(base, "--fail-if", "error_rate > +0.5", "--format", "markdown"));
    assertEquals(0, passed.code(), passed.err());
    assertTrue(passed.out().contains("release gate: passed"), passed.out());
    Result failed = run(concat(base, "--fail-if", "p95_duration_ms > -100%"));
    assertEquals(1, failed.code(), failed.err());
    assertTrue(failed.out().contains("release gate: FAILED"), failed.out());
    Result unknown = run(concat(base, "--fail-if", "traces_per_session > +0.5"));
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("unknown metric 'traces_per_session'"), unknown.err());
  }

  @Test
  void anEvalDatasetOfTheSamplesIsTheSameRecordsInBothFormatsAndARerunCommitsNothing() throws IOException {
    // eval-dataset writes a table: into a copy of the samples' warehouse, which other classes only read.
    Path copy = SamplesWarehouse.copy("wh-samples-eval");
    Path out = SharedSpark.tempDir("eval-out");
    String[] command = {"eval-dataset", "--warehouse", copy.toString(), "--name", "thumbs-down", "--filter",
        "feedback.user_satisfaction = 'false'", "--whole-sessions"};
    Result first = run(concat(command, "--output", out.resolve("records.jsonl").toString()));
    assertEquals(0, first.code(), first.err());
    Result again = run(concat(command, "--output", out.resolve("records.jsonl").toString()));
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("nothing to commit"), again.out());
    Result traces = run(concat(command, "--format", "traces", "--output", out.resolve("traces.jsonl").toString()));
    assertEquals(0, traces.code(), traces.err());
    long records = Files.lines(out.resolve("records.jsonl")).count();
    assertTrue(records > 0);
    assertEquals(records, Files.lines(out.resolve("traces.jsonl")).count());
    Result list = run("eval-dataset", "--warehouse", copy.toString(), "--list");
    assertTrue(Pattern.compile("thumbs-down\\s+" + records + "\\s").matcher(list.out()).find(), list.out());
    Result bad = run("eval-dataset", "--warehouse", copy.toString(), "--name", "bad name");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("Invalid --name"), bad.err());
  }

  private static Set<String> traceIds(String spanCondition) {
    return table("spans").where(spanCondition).select("trace_id").distinct().collectAsList().stream()
        .map(x -> x.getString(0)).collect(Collectors.toSet());
  }

  private static String[] concat(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }
}
