package io.tracelake.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code session_paths} and {@code turn_dropoff} against a computation in plain Java over the same traces, after a
 * late delivery that puts a new first turn into existing sessions (their path, turns and release change), with
 * sessions across midnight, sessions that change release after their first turn, turns without a trace name and
 * thumbs down.
 */
class SessionPathsTest {

  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

  record Trace(String id, String session, Instant time, String version, String environment, String name,
      boolean thumbsDown) {}

  private static final String[] NAMES = {"greet", "search", "answer", "answer", "escalate", null};
  private static final String[] VERSIONS = {"1.0", "1.0", "2.0"};
  private static final String[] ENVIRONMENTS = {"production", "production", "staging"};

  @Test
  void pathsAndDropoffEqualAPlainComputationAfterALateFirstTurn() throws IOException {
    Random random = new Random(5);
    List<Trace> onTime = new ArrayList<>();
    Instant start = Instant.parse("2025-11-03T20:00:00Z");
    for (int s = 0; s < 40; s++) {
      int turns = 1 + random.nextInt(8);
      Instant at = start.plusSeconds(3_600L * random.nextInt(48));  // some sessions cross midnight
      String version = VERSIONS[random.nextInt(VERSIONS.length)];
      String environment = ENVIRONMENTS[random.nextInt(ENVIRONMENTS.length)];
      for (int t = 0; t < turns; t++) {
        if (t == 3 && random.nextInt(4) == 0) {
          version = "2.0";  // a release change during the conversation: the session counts under its first turn's
        }
        onTime.add(new Trace("t-" + s + "-" + t, "s-" + s, at.plusSeconds(1_500L * t), version, environment,
            NAMES[random.nextInt(NAMES.length)], random.nextInt(7) == 0));
      }
    }
    List<Trace> late = new ArrayList<>();
    for (int s = 0; s < 40; s += 9) {
      int session = s;
      Instant first = onTime.stream().filter(t -> t.session().equals("s-" + session)).map(Trace::time)
          .min(Comparator.naturalOrder()).orElseThrow();
      late.add(new Trace("late-" + s, "s-" + s, first.minusSeconds(86_400), "0.9", "production", "login",
          s == 18));
    }

    Path dir = SharedSpark.tempDir("wh-paths");
    Path exports = SharedSpark.tempDir("paths-exports");
    Warehouse warehouse = null;
    for (List<Trace> delivery : List.of(onTime, late)) {
      Path file = exports.resolve("delivery-" + delivery.size() + ".jsonl");
      Files.write(file, delivery.stream().map(SessionPathsTest::line).toList());
      IngestJob.run(spark, config, new IngestJob.Options(List.of(file.toString()), dir.toString(), null));
      warehouse = Warehouse.openForRead(spark, dir.toString());
      AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    }
    List<Trace> all = new ArrayList<>(onTime);
    all.addAll(late);
    List<Session> sessions = sessions(all);

    Map<String, List<Object>> actualPaths = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.SESSION_PATHS).collectAsList()) {
      actualPaths.put(r.getAs("app_version") + "|" + r.getAs("environment") + "|" + r.getAs("path"),
          List.of(r.getAs("path_turns"), r.getAs("sessions"), round(r.getAs("share")), round(r.getAs("mean_turns")),
              round(r.getAs("negative_feedback_rate")), r.getAs("feedback_count")));
    }
    assertEquals(expectedPaths(sessions), actualPaths);
    assertEquals(5, actualPaths.keySet().stream().filter(k -> k.startsWith("0.9|production|login > ")).count(),
        "the late first turns moved five sessions to release 0.9 and a path starting with login");

    Map<String, List<Object>> actualDropoff = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.TURN_DROPOFF).collectAsList()) {
      actualDropoff.put(r.getAs("app_version") + "|" + r.getAs("environment") + "|"
              + String.format("%02d", (int) r.getAs("turn")),
          List.of(r.getAs("sessions_reaching"), r.getAs("sessions_ending"), round(r.getAs("continue_rate"))));
    }
    assertEquals(expectedDropoff(sessions), actualDropoff);
  }

  /** A session as the tables see it: its first turn's release, its path, its turns, its thumbs down. */
  record Session(String version, String environment, String path, int turns, long thumbsDown) {}

  private static List<Session> sessions(List<Trace> traces) {
    Map<String, List<Trace>> bySession = traces.stream().collect(Collectors.groupingBy(Trace::session));
    List<Session> sessions = new ArrayList<>();
    bySession.forEach((id, turns) -> {
      turns.sort(Comparator.comparing(Trace::time).thenComparing(Trace::id));
      String path = turns.stream().limit(5).map(t -> t.name() == null ? "?" : t.name())
          .collect(Collectors.joining(" > "));
      sessions.add(new Session(turns.get(0).version(), turns.get(0).environment(), path, turns.size(),
          turns.stream().filter(Trace::thumbsDown).count()));
    });
    return sessions;
  }

  private static Map<String, List<Object>> expectedPaths(List<Session> sessions) {
    Map<String, Long> perRelease = sessions.stream().collect(Collectors.groupingBy(
        s -> s.version() + "|" + s.environment(), Collectors.counting()));
    Map<String, List<Session>> byPath = sessions.stream().collect(Collectors.groupingBy(
        s -> s.version() + "|" + s.environment() + "|" + s.path()));
    Map<String, List<Object>> expected = new TreeMap<>();
    byPath.forEach((key, group) -> {
      String release = key.substring(0, key.indexOf('|', key.indexOf('|') + 1));
      expected.put(key, List.of(Math.min(5, group.stream().mapToInt(Session::turns).max().orElseThrow()),
          (long) group.size(), round((double) group.size() / perRelease.get(release)),
          round(group.stream().mapToInt(Session::turns).average().orElseThrow()),
          round(group.stream().filter(s -> s.thumbsDown() > 0).count() / (double) group.size()),
          group.stream().mapToLong(Session::thumbsDown).sum()));
    });
    return expected;
  }

  private static Map<String, List<Object>> expectedDropoff(List<Session> sessions) {
    Map<String, List<Object>> expected = new TreeMap<>();
    Map<String, List<Session>> byRelease = sessions.stream().collect(Collectors.groupingBy(
        s -> s.version() + "|" + s.environment()));
    byRelease.forEach((release, group) -> {
      int longest = group.stream().mapToInt(Session::turns).max().orElseThrow();
      for (int turn = 1; turn <= longest; turn++) {
        int n = turn;
        long reaching = group.stream().filter(s -> s.turns() >= n).count();
        long ending = group.stream().filter(s -> s.turns() == n).count();
        expected.put(release + "|" + String.format("%02d", turn),
            List.of(reaching, ending, round((double) (reaching - ending) / reaching)));
      }
    });
    return expected;
  }

  private static String round(Object v) {
    return v == null ? "null" : String.format("%.9f", ((Number) v).doubleValue());
  }

  private static String line(Trace t) {
    String tags = t.name() == null ? "{}" : "{\"mlflow.traceName\": \"" + t.name() + "\"}";
    String assessments = !t.thumbsDown() ? "[]" : "[{\"assessment_id\": \"a-" + t.id() + "\", "
        + "\"assessment_name\": \"user_satisfaction\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"u\"}, "
        + "\"create_time\": \"" + t.time() + "\", \"last_update_time\": \"" + t.time() + "\", "
        + "\"feedback\": {\"value\": false}}]";
    return "{\"info\": {\"trace_id\": \"" + t.id() + "\", \"request_time\": \"" + t.time() + "\", "
        + "\"state\": \"OK\", \"execution_duration_ms\": 1000, \"trace_metadata\": {\"mlflow.trace.user\": \"u\", "
        + "\"mlflow.trace.session\": \"" + t.session() + "\", \"app_version\": \"" + t.version() + "\", "
        + "\"mlflow.source.type\": \"" + t.environment() + "\"}, \"tags\": " + tags + ", "
        + "\"assessments\": " + assessments + "}}";
  }
}
