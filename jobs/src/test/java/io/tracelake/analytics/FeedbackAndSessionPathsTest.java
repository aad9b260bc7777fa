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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code feedback_daily} (with the feedback columns of {@code sessions} and {@code user_summary}) and
 * {@code session_paths} / {@code turn_dropoff}, each against a computation in plain Java over the same traces, in one
 * warehouse built by two deliveries and two analytics runs (one pipeline for both, so the suite pays for it once; each
 * test reads only its own traces' rows: feedback in October, paths of releases 2.9 to 3.1).
 *
 * <p>Feedback: a user who changed their thumbs (the latest counts), an override (the overridden one is out, marked
 * invalid or not), a withdrawn one ({@code valid: false}), a tie on the update time, an error instead of a value, an
 * expectation (not feedback), numbers and strings, null releases and sources — then a re-delivery that overrides a
 * judge's score on an old date. Paths: sessions across midnight, sessions that change release after their first
 * turn, turns without a trace name, thumbs down — then a late delivery that puts a new first turn into existing
 * sessions (their path, turns and release change).
 */
class FeedbackAndSessionPathsTest {

  /** The paths test's releases: the rows it checks. */
  private static final String OWN_RELEASES = "app_version IN ('2.9', '3.0', '3.1')";

  private static Warehouse warehouse;
  private static final Map<String, Trace> feedbackTraces = new LinkedHashMap<>();
  private static final List<PathTrace> pathTraces = new ArrayList<>();
  private static List<Session> sessions;

  /** One assessment as exported (null fields are left out of the JSON). */
  record A(String id, String name, String kind, String sourceType, String sourceId, String value, String error,
      String created, String updated, Boolean valid, String overrides) {

    static A feedback(String id, String name, String sourceType, String sourceId, String value, String updated) {
      return new A(id, name, "feedback", sourceType, sourceId, value, null, updated, updated, null, null);
    }

    A valid(boolean v) {
      return new A(id, name, kind, sourceType, sourceId, value, error, created, updated, v, overrides);
    }

    A overriding(String other) {
      return new A(id, name, kind, sourceType, sourceId, value, error, created, updated, valid, other);
    }

    A created(String at) {
      return new A(id, name, kind, sourceType, sourceId, value, error, at, updated, valid, overrides);
    }
  }

  record Trace(String id, String date, String version, String environment, List<A> assessments) {

    /** The trace's user: t4 has none. */
    String user() {
      return Map.of("t1", "u-a", "t2", "u-a", "t3", "u-b", "t5", "u-b", "t6", "u-a").get(id);
    }

    /** The trace's session: fd-1 spans two dates, t4 has none. */
    String session() {
      return Map.of("t1", "fd-1", "t2", "fd-1", "t3", "fd-1", "t5", "fd-2", "t6", "fd-2").get(id);
    }
  }

  record PathTrace(String id, String session, Instant time, String version, String environment, String name,
      boolean thumbsDown) {}

  private static final String[] NAMES = {"greet", "search", "answer", "answer", "escalate", null};
  private static final String[] VERSIONS = {"3.0", "3.0", "3.1"};
  private static final String[] ENVIRONMENTS = {"production", "production", "staging"};

  @BeforeAll
  static void twoDeliveries() throws IOException {
    SparkSession spark = SharedSpark.session();
    TracelakeConfig config = ConfigLoader.defaults();
    List<Trace> first = List.of(
        new Trace("t1", "2025-10-01", "1.0", "production", List.of(
            A.feedback("a1", "user_satisfaction", "HUMAN", "u1", "true", "2025-10-01T10:00:00Z"),
            A.feedback("a2", "user_satisfaction", "HUMAN", "u1", "false", "2025-10-01T11:00:00Z"),
            A.feedback("a3", "relevance", "LLM_JUDGE", "judge", "4.0", "2025-10-01T10:05:00Z"))),
        new Trace("t2", "2025-10-01", "1.0", "production", List.of(
            A.feedback("b1", "user_satisfaction", "HUMAN", "u2", "true", "2025-10-01T09:00:00Z").valid(false),
            A.feedback("b2", "user_satisfaction", "HUMAN", "reviewer", "false", "2025-10-01T09:30:00Z")
                .overriding("b1"),
            A.feedback("b3", "relevance", "LLM_JUDGE", "judge", "2.0", "2025-10-01T09:01:00Z"),
            A.feedback("b4", "relevance", "LLM_JUDGE", "judge-2", "5", "2025-10-01T09:02:00Z"),
            A.feedback("b5", "relevance", "LLM_JUDGE", "judge-3", "1", "2025-10-01T09:03:00Z"),
            A.feedback("b6", "relevance", "LLM_JUDGE", "judge-3", "3", "2025-10-01T09:04:00Z").overriding("b5"))),
        new Trace("t3", "2025-10-02", "2.0", null, List.of(
            new A("c1", "safety", "feedback", "LLM_JUDGE", "judge", null, "{\"error_code\": \"TIMEOUT\"}",
                "2025-10-02T08:00:00Z", "2025-10-02T08:00:00Z", null, null),
            A.feedback("c2", "tone", "CODE", "rule", "\"friendly\"", "2025-10-02T08:01:00Z"),
            new A("c3", "expected_facts", "expectation", "HUMAN", "x", "[\"a\"]", null, "2025-10-02T08:02:00Z",
                "2025-10-02T08:02:00Z", null, null),
            A.feedback("c4", "user_satisfaction", "HUMAN", "u3", "true", "2025-10-02T09:00:00Z").valid(false))),
        new Trace("t4", "2025-10-02", null, "staging", List.of(
            A.feedback("d1", "user_satisfaction", null, null, "true", "2025-10-02T10:00:00Z"),
            // a tie on the update time: the later creation wins, then the greater id
            A.feedback("d2", "user_satisfaction", "HUMAN", "u4", "true", "2025-10-02T10:00:00Z")
                .created("2025-10-02T09:00:00Z"),
            A.feedback("d3", "user_satisfaction", "HUMAN", "u4", "false", "2025-10-02T10:00:00Z")
                .created("2025-10-02T09:30:00Z"),
            A.feedback("d4", "relevance", "LLM_JUDGE", "judge", "3.0", "2025-10-02T10:00:00Z"),
            A.feedback("d5", "relevance", "LLM_JUDGE", "judge", "1.0", "2025-10-02T10:00:00Z"))),
        new Trace("t5", "2025-10-02", "2.0", null, List.of()));
    List<A> t1Later = new ArrayList<>(first.get(0).assessments());
    t1Later.set(2, t1Later.get(2).valid(false));
    t1Later.add(A.feedback("a4", "relevance", "HUMAN", "reviewer", "1.0", "2025-10-05T12:00:00Z")
        .overriding("a3"));
    List<Trace> redelivery = List.of(new Trace("t1", "2025-10-01", "1.0", "production", t1Later),
        new Trace("t6", "2025-10-03", "2.0", "production", List.of(
            A.feedback("f1", "user_satisfaction", "HUMAN", "u5", "false", "2025-10-03T10:00:00Z"))));

    Random random = new Random(5);
    List<PathTrace> onTime = new ArrayList<>();
    Instant start = Instant.parse("2025-11-03T20:00:00Z");
    for (int s = 0; s < 40; s++) {
      int turns = 1 + random.nextInt(8);
      Instant at = start.plusSeconds(3_600L * random.nextInt(48));  // some sessions cross midnight
      String version = VERSIONS[random.nextInt(VERSIONS.length)];
      String environment = ENVIRONMENTS[random.nextInt(ENVIRONMENTS.length)];
      for (int t = 0; t < turns; t++) {
        if (t == 3 && random.nextInt(4) == 0) {
          version = "3.1";  // a release change during the conversation: the session counts under its first turn's
        }
        onTime.add(new PathTrace("p-" + s + "-" + t, "s-" + s, at.plusSeconds(1_500L * t), version, environment,
            NAMES[random.nextInt(NAMES.length)], random.nextInt(7) == 0));
      }
    }
    List<PathTrace> late = new ArrayList<>();
    for (int s = 0; s < 40; s += 9) {
      int session = s;
      Instant firstTurn = onTime.stream().filter(t -> t.session().equals("s-" + session)).map(PathTrace::time)
          .min(Comparator.naturalOrder()).orElseThrow();
      late.add(new PathTrace("p-late-" + s, "s-" + s, firstTurn.minusSeconds(86_400), "2.9", "production", "login",
          s == 18));
    }

    Path dir = SharedSpark.tempDir("wh-feedback-paths");
    Path exports = SharedSpark.tempDir("feedback-paths-exports");
    List<List<String>> deliveries = List.of(
        Stream.concat(first.stream().map(FeedbackAndSessionPathsTest::line),
            onTime.stream().map(FeedbackAndSessionPathsTest::pathLine)).toList(),
        Stream.concat(redelivery.stream().map(FeedbackAndSessionPathsTest::line),
            late.stream().map(FeedbackAndSessionPathsTest::pathLine)).toList());
    int n = 0;
    for (List<String> delivery : deliveries) {
      Path file = exports.resolve("delivery-" + (n++) + ".jsonl");
      Files.write(file, delivery);
      IngestJob.run(spark, config, new IngestJob.Options(List.of(file.toString()), dir.toString(), null));
      warehouse = Warehouse.openForRead(spark, dir.toString());
      AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    }
    Stream.concat(first.stream(), redelivery.stream()).forEach(t -> feedbackTraces.put(t.id(), t));
    pathTraces.addAll(onTime);
    pathTraces.addAll(late);
    sessions = sessions(pathTraces);
  }

  @Test
  void feedbackDailyEqualsAPlainComputationAfterARedelivery() {
    Map<String, List<Object>> actual = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.FEEDBACK_DAILY).where("activity_date < DATE'2025-10-10'")
        .collectAsList()) {
      actual.put(r.getAs("activity_date") + "|" + r.getAs("app_version") + "|" + r.getAs("environment") + "|"
              + r.getAs("assessment_name") + "|" + r.getAs("source_type"),
          List.of(r.getAs("assessments"), r.getAs("traces"), r.getAs("positive"), r.getAs("negative"),
              Objects.toString(r.getAs("positive_rate")), r.getAs("numeric_values"),
              Objects.toString(r.getAs("mean_value")), r.getAs("errors")));
    }
    assertEquals(expected(feedbackTraces.values()), actual);

    // sessions and user_summary count the same feedback, summed over their traces.
    Map<String, List<Long>> perSession = new TreeMap<>();
    Map<String, List<Long>> perUser = new TreeMap<>();
    for (Trace t : feedbackTraces.values()) {
      List<A> counted = countedOf(t);
      long negative = counted.stream().filter(a -> "false".equals(a.value())).count();
      if (t.session() != null) {
        perSession.merge(t.session(), List.of((long) counted.size(), negative), FeedbackAndSessionPathsTest::add);
      }
      perUser.merge(String.valueOf(t.user()), List.of((long) counted.size(), negative),
          FeedbackAndSessionPathsTest::add);
    }
    Map<String, List<Long>> sessionRows = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.SESSIONS).where("session_id LIKE 'fd-%'").collectAsList()) {
      sessionRows.put(r.getAs("session_id"), List.of(r.getAs("feedback_count"), r.getAs("negative_feedback")));
    }
    assertEquals(perSession, sessionRows);
    Map<String, List<Long>> users = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.USER_SUMMARY).where("user_id IS NULL OR user_id LIKE 'u-%'")
        .collectAsList()) {
      users.put(String.valueOf((Object) r.getAs("user_id")),
          List.of(r.getAs("feedback_count"), r.getAs("negative_feedback")));
    }
    assertEquals(perUser, users);
    // Spot checks of the rules, written out: u1 changed their thumbs to false; the reviewer's override of u2 counts.
    assertEquals(List.of(2L, 2L, 0L, 2L, "0.0", 0L, "null", 0L),
        actual.get("2025-10-01|1.0|production|user_satisfaction|HUMAN"));
  }

  @Test
  void pathsAndDropoffEqualAPlainComputationAfterALateFirstTurn() {
    Map<String, List<Object>> actualPaths = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.SESSION_PATHS).where(OWN_RELEASES).collectAsList()) {
      actualPaths.put(r.getAs("app_version") + "|" + r.getAs("environment") + "|" + r.getAs("path"),
          List.of(r.getAs("path_turns"), r.getAs("sessions"), round(r.getAs("share")), round(r.getAs("mean_turns")),
              round(r.getAs("negative_feedback_rate")), r.getAs("feedback_count")));
    }
    assertEquals(expectedPaths(sessions), actualPaths);
    assertEquals(5, actualPaths.keySet().stream().filter(k -> k.startsWith("2.9|production|login > ")).count(),
        "the late first turns moved five sessions to release 2.9 and a path starting with login");

    Map<String, List<Object>> actualDropoff = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.TURN_DROPOFF).where(OWN_RELEASES).collectAsList()) {
      actualDropoff.put(r.getAs("app_version") + "|" + r.getAs("environment") + "|"
              + String.format("%02d", (int) r.getAs("turn")),
          List.of(r.getAs("sessions_reaching"), r.getAs("sessions_ending"), round(r.getAs("continue_rate"))));
    }
    assertEquals(expectedDropoff(sessions), actualDropoff);
  }

  /** The rule, in plain Java: valid, not overridden, feedback, the latest per (trace, name, source type and id). */
  private static List<A> countedOf(Trace t) {
    Set<String> overridden = t.assessments().stream().map(A::overrides).filter(Objects::nonNull)
        .collect(Collectors.toSet());
    Map<String, A> latest = new LinkedHashMap<>();
    Comparator<A> order = Comparator.comparing((A a) -> Instant.parse(a.updated() != null ? a.updated()
            : a.created()))
        .thenComparing(a -> Instant.parse(a.created()))
        .thenComparing(A::id);
    for (A a : t.assessments()) {
      if (!a.kind().equals("feedback") || Boolean.FALSE.equals(a.valid()) || overridden.contains(a.id())) {
        continue;
      }
      latest.merge(a.name() + "|" + a.sourceType() + "|" + a.sourceId(), a,
          (x, y) -> order.compare(x, y) >= 0 ? x : y);
    }
    return new ArrayList<>(latest.values());
  }

  private static List<Long> add(List<Long> x, List<Long> y) {
    return List.of(x.get(0) + y.get(0), x.get(1) + y.get(1));
  }

  private static Map<String, List<Object>> expected(java.util.Collection<Trace> traces) {
    Map<String, List<A>> groups = new TreeMap<>();
    Map<String, Set<String>> tracesOf = new TreeMap<>();
    for (Trace t : traces) {
      for (A a : countedOf(t)) {
        String key = t.date() + "|" + t.version() + "|" + t.environment() + "|" + a.name() + "|" + a.sourceType();
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(a);
        tracesOf.computeIfAbsent(key, k -> new HashSet<>()).add(t.id());
      }
    }
    Map<String, List<Object>> expected = new TreeMap<>();
    groups.forEach((key, feedback) -> {
      long positive = feedback.stream().filter(a -> "true".equals(a.value())).count();
      long negative = feedback.stream().filter(a -> "false".equals(a.value())).count();
      List<Double> numbers = new ArrayList<>();
      for (A a : feedback) {
        if (a.value() != null && !a.value().equals("true") && !a.value().equals("false")
            && !a.value().startsWith("\"")) {
          numbers.add(Double.parseDouble(a.value()));
        }
      }
      long errors = feedback.stream().filter(a -> a.value() == null && a.error() != null).count();
      expected.put(key, List.of((long) feedback.size(), (long) tracesOf.get(key).size(), positive, negative,
          positive + negative == 0 ? "null" : String.valueOf((double) positive / (positive + negative)),
          (long) numbers.size(),
          numbers.isEmpty() ? "null" : String.valueOf(numbers.stream().mapToDouble(Double::doubleValue).sum()
              / numbers.size()),
          errors));
    });
    return expected;
  }

  private static String line(Trace t) {
    StringBuilder metadata = new StringBuilder("\"mlflow.trace.name\": \"chat\"");
    if (t.user() != null) {
      metadata.append(", \"mlflow.trace.user\": \"").append(t.user()).append('"');
    }
    if (t.session() != null) {
      metadata.append(", \"mlflow.trace.session\": \"").append(t.session()).append('"');
    }
    if (t.version() != null) {
      metadata.append(", \"app_version\": \"").append(t.version()).append('"');
    }
    if (t.environment() != null) {
      metadata.append(", \"mlflow.source.type\": \"").append(t.environment()).append('"');
    }
    List<String> assessments = new ArrayList<>();
    for (A a : t.assessments()) {
      List<String> fields = new ArrayList<>();
      fields.add("\"assessment_id\": \"" + a.id() + "\"");
      fields.add("\"assessment_name\": \"" + a.name() + "\"");
      fields.add("\"trace_id\": \"" + t.id() + "\"");
      List<String> source = new ArrayList<>();
      if (a.sourceType() != null) {
        source.add("\"source_type\": \"" + a.sourceType() + "\"");
      }
      if (a.sourceId() != null) {
        source.add("\"source_id\": \"" + a.sourceId() + "\"");
      }
      fields.add("\"source\": {" + String.join(", ", source) + "}");
      fields.add("\"create_time\": \"" + a.created() + "\"");
      fields.add("\"last_update_time\": \"" + a.updated() + "\"");
      if (a.kind().equals("feedback")) {
        fields.add("\"feedback\": {" + (a.value() != null ? "\"value\": " + a.value() : "\"error\": " + a.error())
            + "}");
      } else {
        fields.add("\"expectation\": {\"value\": " + a.value() + "}");
      }
      if (a.valid() != null) {
        fields.add("\"valid\": " + a.valid());
      }
      if (a.overrides() != null) {
        fields.add("\"overrides\": \"" + a.overrides() + "\"");
      }
      assessments.add("{" + String.join(", ", fields) + "}");
    }
    return "{\"info\": {\"trace_id\": \"" + t.id() + "\", \"request_time\": \"" + t.date() + "T12:00:00Z\", "
        + "\"state\": \"OK\", \"execution_duration_ms\": 100, \"trace_metadata\": {" + metadata + "}, "
        + "\"assessments\": [" + String.join(", ", assessments) + "]}}";
  }  /** A session as the tables see it: its first turn's release, its path, its turns, its thumbs down. */
  record Session(String version, String environment, String path, int turns, long thumbsDown) {}

  private static List<Session> sessions(List<PathTrace> traces) {
    Map<String, List<PathTrace>> bySession = traces.stream().collect(Collectors.groupingBy(PathTrace::session));
    List<Session> sessions = new ArrayList<>();
    bySession.forEach((id, turns) -> {
      turns.sort(Comparator.comparing(PathTrace::time).thenComparing(PathTrace::id));
      String path = turns.stream().limit(5).map(t -> t.name() == null ? "?" : t.name())
          .collect(Collectors.joining(" > "));
      sessions.add(new Session(turns.get(0).version(), turns.get(0).environment(), path, turns.size(),
          turns.stream().filter(PathTrace::thumbsDown).count()));
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

  private static String pathLine(PathTrace t) {
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
