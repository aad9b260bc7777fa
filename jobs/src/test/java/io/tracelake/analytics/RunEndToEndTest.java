package io.tracelake.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.SharedSpark;
import io.tracelake.cli.TracelakeCli;
import io.tracelake.reports.Breakdown;
import io.tracelake.reports.SessionFlow;
import io.tracelake.reports.UserReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tracelake run} on the bundled MLflow 3 sample, then the tutorial's three analyses checked against figures
 * computed here independently, with plain Jackson over the export file (no Spark).
 */
class RunEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path warehouse;
  private static List<JsonNode> infos;
  private static String runOutput;

  @BeforeAll
  static void run() throws IOException {
    Path samples = Path.of(System.getProperty("tracelake.repo.root", ".."), "samples", "mlflow3");
    warehouse = SharedSpark.tempDir("wh-run");
    SharedSpark.session();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, TracelakeCli.commandLine().execute("run", "--input", samples.toString(), "--warehouse",
          warehouse.toString()));
    } finally {
      System.setOut(original);
    }
    runOutput = out.toString(StandardCharsets.UTF_8);
    infos = new ArrayList<>();
    try (var files = Files.list(samples)) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          infos.add(JSON.readTree(line).get("info"));
        }
      }
    }
  }

  private static Dataset<Row> traces() {
    return SharedSpark.session().read().format("delta").load(warehouse.resolve("traces").toString());
  }

  private static String meta(JsonNode info, String key) {
    JsonNode v = info.path("trace_metadata").get(key);
    return v == null || v.asText().isEmpty() ? null : v.asText();
  }

  @Test
  void summaryListsEveryTableWithTheRowsItWrote() {
    for (String table : AnalyticsTables.all()) {
      assertTrue(runOutput.matches("(?s).*\\n  " + table + " +[0-9,]+ rows written\\n.*"), table + " in\n"
          + runOutput);
    }
  }

  @Test
  void userReportMatchesTheTutorialsComputation() {
    // The most active user, and a 7-day window ending just after the last trace.
    Map<String, Long> perUser = new HashMap<>();
    Instant last = Instant.EPOCH;
    for (JsonNode info : infos) {
      String user = meta(info, "mlflow.trace.user");
      if (user != null) {
        perUser.merge(user, 1L, Long::sum);
      }
      Instant t = Instant.parse(info.get("request_time").asText());
      last = t.isAfter(last) ? t : last;
    }
    String user = perUser.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Instant asOf = last.plusSeconds(1);
    Instant since = asOf.minus(Duration.ofDays(3));

    long interactions = 0;
    long errors = 0;
    Set<String> sessions = new HashSet<>();
    Map<LocalDate, Long> daily = new TreeMap<>();
    Map<String, Long> categories = new HashMap<>();
    double durationSum = 0;
    long durations = 0;
    for (JsonNode info : infos) {
      Instant t = Instant.parse(info.get("request_time").asText());
      if (!user.equals(meta(info, "mlflow.trace.user")) || !t.isAfter(since)) {
        continue;
      }
      interactions++;
      if (meta(info, "mlflow.trace.session") != null) {
        sessions.add(meta(info, "mlflow.trace.session"));
      }
      daily.merge(LocalDate.ofInstant(t, ZoneOffset.UTC), 1L, Long::sum);
      JsonNode category = info.path("tags").get("query_category");
      if (category != null) {
        categories.merge(category.asText(), 1L, Long::sum);
      }
      if (info.has("execution_duration_ms")) {
        durationSum += info.get("execution_duration_ms").asLong();
        durations++;
      }
      if (info.get("state").asText().equals("ERROR")) {
        errors++;
      }
    }
    UserReport report = UserReport.compute(traces(), user, 3, asOf, "query_category");
    assertTrue(interactions > 10, "a user with real activity");
    assertEquals(interactions, report.interactions());
    assertEquals(sessions.size(), report.sessions());
    assertEquals(daily, new TreeMap<>(report.dailyActivity()));
    assertEquals(categories, new HashMap<>(report.categories()));
    assertEquals(durationSum / durations, report.averageResponseTimeMs(), 1e-9);
    assertEquals((double) errors / interactions, report.errorRate(), 1e-12);
    String text = report.text();
    assertTrue(text.startsWith("User " + user + " Activity Report (3 days)\n" + "=".repeat(50) + "\n"
        + "Total interactions: " + interactions + "\nUnique sessions: " + sessions.size() + "\n"), text);
    assertTrue(text.contains(String.format("Average response time: %.1fms%n", durationSum / durations)), text);
    assertTrue(text.contains(String.format("Error rate: %.1f%%%n", 100.0 * errors / interactions)), text);
  }

  @Test
  void sessionFlowMatchesTheTurnOrder() {
    Map<String, List<JsonNode>> bySession = new HashMap<>();
    for (JsonNode info : infos) {
      String s = meta(info, "mlflow.trace.session");
      if (s != null) {
        bySession.computeIfAbsent(s, k -> new ArrayList<>()).add(info);
      }
    }
    Map.Entry<String, List<JsonNode>> longest = bySession.entrySet().stream()
        .max(Comparator.comparingInt(e -> e.getValue().size())).orElseThrow();
    List<JsonNode> expected = new ArrayList<>(longest.getValue());
    expected.sort(Comparator.comparing((JsonNode i) -> Instant.parse(i.get("request_time").asText()))
        .thenComparing(i -> i.get("trace_id").asText()));
    SessionFlow flow = SessionFlow.compute(traces(), longest.getKey());
    assertEquals(expected.size(), flow.turns().size());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode info = expected.get(i);
      SessionFlow.Turn turn = flow.turns().get(i);
      assertEquals(i + 1, turn.turn());
      assertEquals(info.get("trace_id").asText(), turn.traceId());
      assertEquals(Instant.parse(info.get("request_time").asText()).toEpochMilli(), turn.timestampMs());
      assertEquals(info.has("execution_duration_ms") ? info.get("execution_duration_ms").asLong() : null,
          turn.durationMs());
      assertEquals(info.get("state").asText(), turn.state());
    }
  }

  @Test
  void breakdownMatchesPerVersionAndEnvironmentCounts() {
    Map<String, Long> interactions = new TreeMap<>();
    Map<String, Set<String>> users = new TreeMap<>();
    Map<String, Long> environments = new TreeMap<>();
    for (JsonNode info : infos) {
      String version = meta(info, "app_version") == null ? Breakdown.NONE : meta(info, "app_version");
      interactions.merge(version, 1L, Long::sum);
      Set<String> u = users.computeIfAbsent(version, k -> new HashSet<>());
      if (meta(info, "mlflow.trace.user") != null) {
        u.add(meta(info, "mlflow.trace.user"));
      }
      String env = meta(info, "mlflow.source.type") == null ? Breakdown.NONE : meta(info, "mlflow.source.type");
      environments.merge(env, 1L, Long::sum);
    }
    Breakdown b = Breakdown.compute(traces());
    assertEquals(interactions, new TreeMap<>(b.interactionsPerVersion()));
    Map<String, Long> userCounts = new TreeMap<>();
    users.forEach((k, v) -> userCounts.put(k, (long) v.size()));
    assertEquals(userCounts, new TreeMap<>(b.usersPerVersion()));
    assertEquals(environments, new TreeMap<>(b.interactionsPerEnvironment()));
    assertTrue(interactions.size() >= 2 && environments.size() >= 2);
  }

  @Test
  void dailyActivityAddsUpToTheTracesTable() {
    Dataset<Row> daily = SharedSpark.session().read().format("delta")
        .load(warehouse.resolve("daily_user_activity").toString());
    assertEquals(infos.size(), daily.agg(org.apache.spark.sql.functions.sum("interactions")).first().getLong(0));
  }
}
