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
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code feedback_daily} against a computation in plain Java over the same assessments, through the cases that decide
 * which feedback counts: a user who changed their thumbs (the latest counts), an override (the overridden one is out,
 * marked invalid or not), a withdrawn one ({@code valid: false}), a tie on the update time, an error instead of a
 * value, an expectation (not feedback), numbers and strings, null releases and sources — then a re-delivery that
 * overrides a judge's score on an old date.
 */
class FeedbackDailyTest {

  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

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

    /** The trace's session: s-1 spans two dates, t4 has none. */
    String session() {
      return Map.of("t1", "s-1", "t2", "s-1", "t3", "s-1", "t5", "s-2", "t6", "s-2").get(id);
    }
  }

  @Test
  void feedbackDailyEqualsAPlainComputationAfterARedelivery() throws IOException {
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

    Path dir = SharedSpark.tempDir("wh-feedback");
    Path exports = SharedSpark.tempDir("feedback-exports");
    Warehouse warehouse = null;
    int n = 0;
    for (List<Trace> delivery : List.of(first, redelivery)) {
      Path file = exports.resolve("delivery-" + (n++) + ".jsonl");
      Files.write(file, delivery.stream().map(FeedbackDailyTest::line).toList());
      IngestJob.run(spark, config, new IngestJob.Options(List.of(file.toString()), dir.toString(), null));
      warehouse = Warehouse.openForRead(spark, dir.toString());
      AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    }
    Map<String, Trace> finalState = new LinkedHashMap<>();
    for (Trace t : first) {
      finalState.put(t.id(), t);
    }
    for (Trace t : redelivery) {
      finalState.put(t.id(), t);
    }

    Map<String, List<Object>> actual = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.FEEDBACK_DAILY).collectAsList()) {
      actual.put(r.getAs("activity_date") + "|" + r.getAs("app_version") + "|" + r.getAs("environment") + "|"
              + r.getAs("assessment_name") + "|" + r.getAs("source_type"),
          List.of(r.getAs("assessments"), r.getAs("traces"), r.getAs("positive"), r.getAs("negative"),
              Objects.toString(r.getAs("positive_rate")), r.getAs("numeric_values"),
              Objects.toString(r.getAs("mean_value")), r.getAs("errors")));
    }
    assertEquals(expected(finalState.values()), actual);

    // sessions and user_summary count the same feedback, summed over their traces.
    Map<String, List<Long>> perSession = new TreeMap<>();
    Map<String, List<Long>> perUser = new TreeMap<>();
    for (Trace t : finalState.values()) {
      List<A> counted = countedOf(t);
      long negative = counted.stream().filter(a -> "false".equals(a.value())).count();
      if (t.session() != null) {
        perSession.merge(t.session(), List.of((long) counted.size(), negative), FeedbackDailyTest::add);
      }
      perUser.merge(String.valueOf(t.user()), List.of((long) counted.size(), negative), FeedbackDailyTest::add);
    }
    Map<String, List<Long>> sessions = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.SESSIONS).collectAsList()) {
      sessions.put(r.getAs("session_id"), List.of(r.getAs("feedback_count"), r.getAs("negative_feedback")));
    }
    assertEquals(perSession, sessions);
    Map<String, List<Long>> users = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.USER_SUMMARY).collectAsList()) {
      users.put(String.valueOf((Object) r.getAs("user_id")),
          List.of(r.getAs("feedback_count"), r.getAs("negative_feedback")));
    }
    assertEquals(perUser, users);
    // Spot checks of the rules, written out: u1 changed their thumbs to false; the reviewer's override of u2 counts.
    assertEquals(List.of(2L, 2L, 0L, 2L, "0.0", 0L, "null", 0L),
        actual.get("2025-10-01|1.0|production|user_satisfaction|HUMAN"));
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
  }
}
