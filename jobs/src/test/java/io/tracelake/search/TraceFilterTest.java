package io.tracelake.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MLflow filter strings over a real traces table (the MLflow 3 sample plus the reference fixture), each checked
 * against an independent evaluation of the same rows in plain Java.
 */
class TraceFilterTest {

  private static Dataset<Row> traces;
  private static Path warehouse;
  private static List<Row> rows;
  private static long midTimestamp;
  private static String someSession;

  @BeforeAll
  static void ingest() {
    Path root = Path.of(System.getProperty("tracelake.repo.root", ".."));
    Path wh = SharedSpark.tempDir("wh-filter");
    warehouse = wh;
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        root.resolve("samples/mlflow3").toString(), SharedSpark.fixture("mlflow3.jsonl").toString()),
        wh.toString(), null));
    traces = SharedSpark.session().read().format("delta").load(wh.resolve("traces").toString());
    rows = traces.collectAsList();
    List<Long> times = rows.stream().map(TraceFilterTest::ts).sorted().toList();
    midTimestamp = times.get(times.size() / 2);
    someSession = rows.stream().map(r -> r.<String>getAs("session_id")).filter(s -> s != null).sorted()
        .findFirst().orElseThrow();
  }

  // ------------------------------------------------------------------------------- independent evaluation

  static long ts(Row r) {
    return r.<Instant>getAs("request_time").toEpochMilli();
  }

  static String meta(Row r, String key) {
    return r.<String, String>getJavaMap(r.fieldIndex("trace_metadata")).get(key);
  }

  static String tag(Row r, String key) {
    return r.<String, String>getJavaMap(r.fieldIndex("tags")).get(key);
  }

  static Long duration(Row r) {
    return r.getAs("execution_duration_ms");
  }

  static String s(Row r, String column) {
    return r.getAs(column);
  }

  static boolean feedback(Row r, String name, Predicate<String> value) {
    for (Row a : r.<Row>getList(r.fieldIndex("assessments"))) {
      if ("feedback".equals(a.getAs("kind")) && name.equals(a.getAs("name")) && value.test(a.getAs("value"))) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> expected(Predicate<Row> p) {
    return rows.stream().filter(p).map(r -> r.<String>getAs("trace_id")).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> actual(String filter) {
    return traces.where(TraceFilter.parse(filter)).select("trace_id").collectAsList().stream()
        .map(r -> r.getString(0)).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void validFiltersReturnTheSameTracesAsAnIndependentEvaluation() {
    long n = midTimestamp;
    Map<String, Predicate<Row>> cases = new LinkedHashMap<>();
    // The seeds' filters.
    cases.put("metadata.`mlflow.trace.user` = 'user-0001' AND trace.timestamp_ms > " + n,
        r -> "user-0001".equals(meta(r, "mlflow.trace.user")) && ts(r) > n);
    cases.put("metadata.`mlflow.trace.session` = '" + someSession + "'",
        r -> someSession.equals(meta(r, "mlflow.trace.session")));
    cases.put("metadata.`mlflow.trace.user` = 'user-0001' AND metadata.`mlflow.trace.session` = '" + someSession
        + "' AND trace.timestamp_ms > " + n, r -> "user-0001".equals(meta(r, "mlflow.trace.user"))
        && someSession.equals(meta(r, "mlflow.trace.session")) && ts(r) > n);
    // Attributes, numeric.
    cases.put("timestamp_ms > " + n, r -> ts(r) > n);
    cases.put("timestamp >= " + n, r -> ts(r) >= n);
    cases.put("attributes.timestamp_ms < " + n, r -> ts(r) < n);
    cases.put("attribute.timestamp_ms <= " + n, r -> ts(r) <= n);
    cases.put("trace.timestamp_ms = " + n, r -> ts(r) == n);
    cases.put("timestamp_ms != " + n, r -> ts(r) != n);
    cases.put("execution_time_ms > 2000", r -> duration(r) != null && duration(r) > 2000);
    cases.put("execution_time <= 500", r -> duration(r) != null && duration(r) <= 500);
    cases.put("end_time_ms > " + n, r -> duration(r) != null && ts(r) + duration(r) > n);
    cases.put("execution_time_ms > 1e3", r -> duration(r) != null && duration(r) > 1000);
    cases.put("total_tokens >= 800", r -> r.getAs("total_tokens") != null && r.<Long>getAs("total_tokens") >= 800);
    // Attributes, strings.
    cases.put("status = 'ERROR'", r -> "ERROR".equals(s(r, "state")));
    cases.put("attributes.status != 'OK'", r -> !"OK".equals(s(r, "state")));
    cases.put("status IN ('ERROR', 'IN_PROGRESS')", r -> Set.of("ERROR", "IN_PROGRESS").contains(s(r, "state")));
    cases.put("status NOT IN ('OK')", r -> !"OK".equals(s(r, "state")));
    cases.put("request_id = 'tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01'",
        r -> "tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01".equals(s(r, "trace_id")));
    cases.put("request_id LIKE 'tr-0%'", r -> s(r, "trace_id").startsWith("tr-0"));
    cases.put("client_request_id = 'req-123'", r -> "req-123".equals(s(r, "client_request_id")));
    cases.put("name = 'chat'", r -> "chat".equals(s(r, "trace_name")));
    cases.put("run_id = 'nope'", r -> false);
    // Tags and metadata.
    cases.put("tags.query_category = 'billing'", r -> "billing".equals(tag(r, "query_category")));
    cases.put("tag.query_category != 'billing'",
        r -> tag(r, "query_category") != null && !"billing".equals(tag(r, "query_category")));
    cases.put("tags.`mlflow.traceName` = 'chat'", r -> "chat".equals(tag(r, "mlflow.traceName")));
    cases.put("tags.query_category LIKE 'b%'", r -> tag(r, "query_category") != null
        && tag(r, "query_category").startsWith("b"));
    cases.put("tags.query_category ILIKE 'B%G'", r -> tag(r, "query_category") != null
        && tag(r, "query_category").toLowerCase().matches("b.*g"));
    cases.put("tags.query_category RLIKE '^(chat|other)$'",
        r -> tag(r, "query_category") != null && tag(r, "query_category").matches("^(chat|other)$"));
    cases.put("metadata.`mlflow.source.type` = 'staging'", r -> "staging".equals(meta(r, "mlflow.source.type")));
    cases.put("request_metadata.app_version = '1.2.0'", r -> "1.2.0".equals(meta(r, "app_version")));
    cases.put("metadata.`mlflow.user` = \"alice\"", r -> "alice".equals(meta(r, "mlflow.user")));
    cases.put("metadata.`no such key` = 'x'", r -> false);
    // Extensions: OR, parentheses, canonical columns, assessments.
    cases.put("status = 'ERROR' OR tags.query_category = 'billing'",
        r -> "ERROR".equals(s(r, "state")) || "billing".equals(tag(r, "query_category")));
    cases.put("(status = 'ERROR' OR status = 'IN_PROGRESS') AND timestamp_ms > " + n,
        r -> ("ERROR".equals(s(r, "state")) || "IN_PROGRESS".equals(s(r, "state"))) && ts(r) > n);
    cases.put("environment = 'production' and app_version in ('1.0.0', '1.1.0')",
        r -> "production".equals(s(r, "environment")) && Set.of("1.0.0", "1.1.0").contains(s(r, "app_version")));
    cases.put("user_id = 'user-0002' OR session_id = '" + someSession + "'",
        r -> "user-0002".equals(s(r, "user_id")) || someSession.equals(s(r, "session_id")));
    cases.put("deployment_id LIKE 'prod-%'", r -> s(r, "deployment_id") != null
        && s(r, "deployment_id").startsWith("prod-"));
    cases.put("request_date >= '2025-12-10'", r -> r.<java.time.LocalDate>getAs("request_date")
        .compareTo(java.time.LocalDate.parse("2025-12-10")) >= 0);
    cases.put("request_date IN ('2025-12-09', '2025-12-11')", r -> Set.of("2025-12-09", "2025-12-11")
        .contains(r.getAs("request_date").toString()));
    cases.put("feedback.user_satisfaction = 'false'", r -> feedback(r, "user_satisfaction", "false"::equals));
    cases.put("feedback.relevance >= 4", r -> feedback(r, "relevance", v -> Double.parseDouble(v) >= 4));
    cases.put("expectation.expected_facts LIKE '%Security%'", r -> {
      for (Row a : r.<Row>getList(r.fieldIndex("assessments"))) {
        if ("expectation".equals(a.getAs("kind")) && "expected_facts".equals(a.getAs("name"))
            && a.<String>getAs("value").contains("Security")) {
          return true;
        }
      }
      return false;
    });
    cases.put("`timestamp_ms` > " + n, r -> ts(r) > n);
    cases.put("metadata.`mlflow.trace.user` = 'o''brien' OR status = 'ERROR'", r -> "ERROR".equals(s(r, "state")));

    assertTrue(cases.size() >= 40, "at least 40 filters, got " + cases.size());
    int nonEmpty = 0;
    for (Map.Entry<String, Predicate<Row>> c : cases.entrySet()) {
      Set<String> want = expected(c.getValue());
      assertEquals(want, actual(c.getKey()), c.getKey());
      nonEmpty += want.isEmpty() ? 0 : 1;
    }
    assertTrue(nonEmpty >= 35, "the filters select something: " + nonEmpty);
  }

  @Test
  void invalidFiltersGiveTheIntendedError() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("x.y = 'a'", "Invalid entity type 'x' at position 0");
    cases.put("span.name = 'a'", "Span filters need a warehouse's spans table");
    cases.put("nope = 'a'", "Invalid attribute key 'nope'");
    cases.put("status > 'OK'", "Invalid comparator '>' for string attribute 'status'");
    cases.put("timestamp_ms LIKE '1%'", "Invalid comparator 'LIKE' for numeric attribute 'timestamp_ms'");
    cases.put("tags.a IN ('x')", "Invalid comparator 'IN' for tag 'a'");
    cases.put("tags.a < 'x'", "Invalid comparator '<' for tag 'a'");
    cases.put("timestamp_ms > 'yesterday'", "Expected a number for numeric attribute 'timestamp_ms'");
    cases.put("status = OK", "Expected a quoted string value, got 'OK'");
    cases.put("status = 5", "Expected a quoted string value, got '5'");
    cases.put("status = 'OK", "Unterminated string at position 9");
    cases.put("metadata.`mlflow.trace.user = 'a'", "Unterminated backticked key");
    cases.put("metadata.`` = 'a'", "Empty backticked key");
    cases.put("status = 'OK' AND", "Expected a key such as");
    cases.put("status = 'OK' status = 'ERROR'", "Invalid clause(s) in filter string: unexpected 'status'");
    cases.put("(status = 'OK'", "Missing ')' before the end of the filter");
    cases.put("status = 'OK')", "unexpected ')'");
    cases.put("status == 'OK'", "Invalid comparator '=='");
    cases.put("status ! 'OK'", "Invalid comparator '!'");
    cases.put("status NOT 'OK'", "Expected IN after NOT");
    cases.put("status IN 'OK'", "Expected '(' to start the list of IN");
    cases.put("status IN ('OK' 'ERROR')", "Expected ',' or ')' in the list of IN");
    cases.put("status IN ()", "Expected a quoted string value, got ')'");
    cases.put("status = 'OK'; DROP TABLE traces", "Unexpected character ';' at position 13");
    cases.put("status = 'OK' -- comment", "Unexpected character '-'");
    cases.put("status = 'OK' /* c */", "Unexpected character '/'");
    cases.put("tags.q RLIKE '('", "Invalid regular expression '('");
    cases.put("timestamp_ms > 12abc", "Invalid number '12a...'");
    cases.put("timestamp_ms > 1e999", "out of range");
    cases.put("request_date = 'soon'", "Invalid date 'soon' for request_date");
    cases.put("feedback.relevance > 'high'", "Expected a number for '>' on feedback 'relevance'");
    cases.put("= 'a'", "Expected a key such as");
    cases.put("status", "Invalid clause(s) in filter string: 'status'");
    cases.put("AND status = 'OK'", "Expected a key such as");
    cases.put("(".repeat(60) + "status = 'OK'" + ")".repeat(60), "Parentheses nested too deeply");
    cases.put("status = 'x" + "y".repeat(TraceFilter.MAX_LENGTH) + "'", "Filter is too long");
    cases.put("metadata.mlflow\u0000 = 'a'", "Unexpected character '\\u0000'");
    assertTrue(cases.size() >= 30);
    for (Map.Entry<String, String> c : cases.entrySet()) {
      FilterException e = assertThrows(FilterException.class, () -> TraceFilter.parse(c.getKey()), c.getKey());
      assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " → " + e.getMessage());
      assertTrue(e.getMessage().contains("Valid there: "), e.getMessage());
      assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
  }

  @Test
  void injectionAttemptsStayValues() {
    String[] values = {"' OR '1'='1", "x'); DROP TABLE traces; --", "`trace_id`", "\\' OR 1=1 --", "日本語 ✓",
        "a\"b", "%' OR '%' = '", "x".repeat(5000)};
    for (String v : values) {
      String filter = "metadata.`mlflow.trace.user` = '" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
      assertEquals(Set.of(), actual(filter), filter);
      String key = "tags.`" + v.replace("`", "``") + "` = 'x'";
      assertEquals(Set.of(), actual(key), key);
    }
  }

  @Test
  void fuzzedFiltersParseOrFailWithAFilterError() {
    String[] pieces = {"status", "timestamp_ms", "tags.", "metadata.", "`a.b`", "`", "'", "\"", "'x'", "\"y\"", "=",
        "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT", "AND", "OR", "(", ")", ",", "12", "-3.5",
        "1e3", " ", "feedback.x", "expectation.y", "trace.", "span.x", ";", "--", "\\", "é", "\u0000", "request_date",
        "'2025-01-01'", "x.y", "[", "*", "%", "_"};
    Random random = new Random(42);
    int parsed = 0;
    for (int i = 0; i < 5000; i++) {
      String filter = i % 2 == 0 ? soup(random, pieces) : mutated(random);
      try {
        Column c = TraceFilter.parse(filter);
        if (parsed++ < 300) {
          traces.where(c).queryExecution().assertAnalyzed();
        }
      } catch (FilterException expected) {
        assertTrue(expected.position() >= 0 && expected.position() <= filter.length(), filter);
      } catch (RuntimeException e) {
        fail("filter '" + filter + "' raised " + e);
      }
    }
    assertTrue(parsed > 100, "many fuzzed filters parse: " + parsed);
  }

  /** Random pieces of the grammar, in any order. */
  private static String soup(Random random, String[] pieces) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + random.nextInt(12);
    for (int j = 0; j < n; j++) {
      sb.append(pieces[random.nextInt(pieces.length)]);
      if (random.nextBoolean()) {
        sb.append(' ');
      }
    }
    return sb.toString();
  }

  /** Grammar-shaped clauses joined by AND/OR, then one random edit (or none) at a random place. */
  private static String mutated(Random random) {
    String[] keys = {"status", "timestamp_ms", "tags.query_category", "metadata.`mlflow.trace.user`", "user_id",
        "feedback.relevance", "request_date", "execution_time_ms", "name", "trace.end_time_ms"};
    String[] ops = {"=", "!=", "<", ">=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT IN"};
    String[] values = {"'OK'", "12", "'b%'", "('a', 'b')", "'2025-12-10'", "1765000000000", "'[a-z]+'", "4.5"};
    StringBuilder sb = new StringBuilder();
    int clauses = 1 + random.nextInt(4);
    for (int c = 0; c < clauses; c++) {
      if (c > 0) {
        sb.append(random.nextBoolean() ? " AND " : " OR ");
      }
      sb.append(keys[random.nextInt(keys.length)]).append(' ').append(ops[random.nextInt(ops.length)]).append(' ')
          .append(values[random.nextInt(values.length)]);
    }
    int edit = random.nextInt(4);
    if (edit > 0 && sb.length() > 0) {
      int at = random.nextInt(sb.length());
      String noise = "'\"`();,=<>!-.\\ é\u0000";
      switch (edit) {
        case 1 -> sb.deleteCharAt(at);
        case 2 -> sb.insert(at, noise.charAt(random.nextInt(noise.length())));
        default -> sb.setCharAt(at, noise.charAt(random.nextInt(noise.length())));
      }
    }
    return sb.toString();
  }

  /** How many data files the query plans to read, after Delta's partition pruning. */
  private static long filesRead(Dataset<Row> df) {
    return df.inputFiles().length;
  }

  @Test
  void timestampFiltersPruneDatePartitions() {
    Dataset<Row> table = traces.sparkSession().read().format("delta").load(warehouse.resolve("traces").toString());
    long all = filesRead(table);
    long recent = filesRead(table.where(TraceFilter.parse("trace.timestamp_ms > " + midTimestamp)));
    long oneDay = filesRead(table.where(TraceFilter.parse("request_date = '2025-12-10'")));
    assertTrue(all > 5, "one file per date at least: " + all);
    assertTrue(recent > 0 && recent < all, "a time filter reads fewer files: " + recent + " of " + all);
    assertTrue(oneDay > 0 && oneDay < recent, "a date filter reads one date's files: " + oneDay + " of " + all);
  }

  @Test
  void orderByAcceptsMlflowKeysAndRejectsOthers() {
    List<Row> newest = traces.orderBy(TraceOrder.parse(List.of())).limit(3).collectAsList();
    assertTrue(ts(newest.get(0)) >= ts(newest.get(1)) && ts(newest.get(1)) >= ts(newest.get(2)));
    List<Row> byDuration = traces.where("execution_duration_ms IS NOT NULL")
        .orderBy(TraceOrder.parse(List.of("execution_time_ms ASC", "trace.timestamp_ms DESC"))).collectAsList();
    for (int i = 1; i < byDuration.size(); i++) {
      assertTrue(duration(byDuration.get(i - 1)) <= duration(byDuration.get(i)));
    }
    TraceOrder.parse(List.of("timestamp ASC", "status", "request_id DESC", "name", "run_id", "user_id desc"));
    List<String> bad = new ArrayList<>(List.of("span.name DESC", "nope", "timestamp_ms SIDEWAYS", "'x'"));
    for (String b : bad) {
      assertThrows(FilterException.class, () -> TraceOrder.parse(List.of(b)), b);
    }
  }
}
