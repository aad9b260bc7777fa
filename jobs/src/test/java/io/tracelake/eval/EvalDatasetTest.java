package io.tracelake.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import io.tracelake.SharedSpark;
import io.tracelake.cli.TracelakeCli;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.schema.TraceSchemas;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tracelake eval-dataset} on the bundled sessions: every selection is checked against an independent reading
 * of the export files with Jackson, not against the code under test.
 */
class EvalDatasetTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String THUMBS_DOWN = "feedback.user_satisfaction = 'false'";
  private static final Path ROOT = Path.of(System.getProperty("tracelake.repo.root", ".."));
  private static final Path SESSIONS_FILE = ROOT.resolve("samples/eval-sessions/support-conversations.jsonl");

  /** Warehouse of the generated samples and the hand-written sessions (sampling, selection). */
  private static Path big;
  /** Warehouse of the hand-written sessions only (table writes, round trip). */
  private static Path small;
  private static List<Source> bigSources;
  private static List<Source> smallSources;

  /** One trace as read from its export line, independently of the ingest code. */
  record Source(String id, Instant time, String session, String user, String version, JsonNode info,
      JsonNode inputs) {}

  @BeforeAll
  static void ingest() throws IOException {
    big = SharedSpark.tempDir("wh-eval-big");
    small = SharedSpark.tempDir("wh-eval-small");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        ROOT.resolve("samples/mlflow3").toString(), SESSIONS_FILE.toString()), big.toString(), null));
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        SESSIONS_FILE.toString()), small.toString(), null));
    smallSources = read(SESSIONS_FILE);
    bigSources = new ArrayList<>(smallSources);
    try (var files = Files.list(ROOT.resolve("samples/mlflow3"))) {
      for (Path f : files.toList()) {
        bigSources.addAll(read(f));
      }
    }
  }

  private static List<Source> read(Path file) throws IOException {
    List<Source> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode info = JSON.readTree(line).get("info");
      JsonNode meta = info.get("trace_metadata");
      JsonNode root = null;
      for (JsonNode span : JSON.readTree(line).path("data").path("spans")) {
        if (span.get("parent_span_id").isNull()) {
          root = span;
        }
      }
      JsonNode inputs = JSON.readTree(root.get("attributes").get("mlflow.spanInputs").asText());
      out.add(new Source(info.get("trace_id").asText(), Instant.parse(info.get("request_time").asText()),
          text(meta, "mlflow.trace.session"), text(meta, "mlflow.trace.user"), text(meta, "app_version"), info,
          inputs));
    }
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null ? null : v.asText();
  }

  private static boolean thumbsDown(Source s) {
    for (JsonNode a : s.info().path("assessments")) {
      if (a.get("assessment_name").asText().equals("user_satisfaction") && a.path("valid").asBoolean(true)
          && a.path("feedback").path("value").isBoolean() && !a.path("feedback").path("value").asBoolean()) {
        return true;
      }
    }
    return false;
  }

  /** Turn numbers of every sessioned trace: 1-based by (request time, trace id) within the session. */
  private static Map<String, Integer> turns(List<Source> sources) {
    Map<String, List<Source>> bySession = new TreeMap<>();
    sources.stream().filter(s -> s.session() != null)
        .forEach(s -> bySession.computeIfAbsent(s.session(), k -> new ArrayList<>()).add(s));
    Map<String, Integer> turns = new LinkedHashMap<>();
    bySession.values().forEach(list -> {
      list.sort(Comparator.comparing(Source::time).thenComparing(Source::id));
      for (int i = 0; i < list.size(); i++) {
        turns.put(list.get(i).id(), i + 1);
      }
    });
    return turns;
  }

  private static String run(String... args) {
    StringWriter err = new StringWriter();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      var cli = TracelakeCli.commandLine();
      cli.setErr(new PrintWriter(err, true));
      code = cli.execute(args);
    } finally {
      System.setOut(original);
    }
    return code + "\n" + out.toString(StandardCharsets.UTF_8) + err;
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private static List<String> ids(List<JsonNode> records) {
    return records.stream().map(r -> r.path("source").path("source_data").path("trace_id").asText()).toList();
  }

  // -------------------------------------------------------------------------------------------- record fields

  private static Row assessment(String name, String kind, String value, String updated, Boolean valid) {
    Instant t = updated == null ? null : Instant.parse(updated);
    return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {"a-" + name + updated,
        name, kind, "HUMAN", "r", value, null, null, t, t, valid, null}, TraceSchemas.ASSESSMENT);
  }

  @Test
  void expectationsTakeTheLatestValidValuePerName() throws IOException {
    String json = EvalRecords.expectations(List.of(
        assessment("expected_response", "expectation", "\"old\"", "2025-12-01T10:00:00Z", true),
        assessment("expected_response", "expectation", "\"new\"", "2025-12-02T10:00:00Z", null),
        assessment("expected_response", "expectation", "\"withdrawn\"", "2025-12-03T10:00:00Z", false),
        assessment("expected_facts", "expectation", "[\"a\", \"b\"]", "2025-12-01T10:00:00Z", true),
        assessment("expected_facts", "expectation", "[\"no time\"]", null, true),
        assessment("user_satisfaction", "feedback", "false", "2025-12-05T10:00:00Z", true),
        assessment("max_steps", "expectation", "3", "2025-12-01T10:00:00Z", true),
        assessment("max_steps", "expectation", "4", "2025-12-01T10:00:00Z", true)));
    JsonNode e = JSON.readTree(json);
    assertEquals(JSON.readTree("{\"expected_facts\": [\"a\", \"b\"], \"expected_response\": \"new\", "
        + "\"max_steps\": 4}"), e, "invalid ignored, latest per name, serialized list decoded, tie: later wins");
    assertEquals("{}", EvalRecords.expectations(List.of(assessment("thumbs", "feedback", "true", null, true))));
  }

  @Test
  void quotasAreLargestRemainders() {
    List<Row> groups = List.of(RowFactory.create(null, 5L), RowFactory.create("1.0.0", 10L),
        RowFactory.create("1.1.0", 15L));
    // 7 of 30: exact shares 1.167, 2.333, 3.5 -> floors 1, 2, 3 and the one left to the largest remainder (1.1.0).
    assertEquals(List.of(1L, 2L, 4L), EvalSelection.quotas(groups, 7).stream().map(r -> r.getLong(1)).toList());
    assertEquals(List.of(5L, 10L, 15L), EvalSelection.quotas(groups, 30).stream().map(r -> r.getLong(1)).toList());
  }

  // -------------------------------------------------------------------------------------------- selection

  @Test
  void wholeSessionsAroundAThumbsDownMatchAnIndependentReading() throws IOException {
    Path out = SharedSpark.tempDir("eval-out").resolve("td.jsonl");
    String result = run("eval-dataset", "--warehouse", big.toString(), "--name", "td-whole", "--filter",
        THUMBS_DOWN, "--whole-sessions", "--output", out.toString());
    assertTrue(result.startsWith("0\n"), result);

    Set<String> badSessions = new HashSet<>();
    List<Source> expected = new ArrayList<>();
    bigSources.stream().filter(EvalDatasetTest::thumbsDown).forEach(s -> {
      if (s.session() != null) {
        badSessions.add(s.session());
      } else {
        expected.add(s);
      }
    });
    bigSources.stream().filter(s -> s.session() != null && badSessions.contains(s.session())).forEach(expected::add);
    Map<String, Integer> turns = turns(bigSources);
    expected.sort(Comparator.comparing((Source s) -> s.session() == null ? "\uffff" : s.session())
        .thenComparing(s -> turns.getOrDefault(s.id(), 0)).thenComparing(Source::time).thenComparing(Source::id));

    List<JsonNode> records = lines(out);
    assertEquals(expected.stream().map(Source::id).toList(), ids(records), "by session, then turn; others after");
    Map<String, Source> byId = bigSources.stream().collect(Collectors.toMap(Source::id, s -> s));
    for (JsonNode r : records) {
      Source s = byId.get(r.path("source").path("source_data").path("trace_id").asText());
      assertEquals(s.inputs(), r.get("inputs"), "the root span's inputs, unchanged");
      JsonNode tags = r.get("tags");
      assertEquals(s.session(), text(tags, "session_id"));
      assertEquals(s.user(), text(tags, "user_id"), "absent when the trace has no user");
      assertEquals(s.version(), text(tags, "app_version"), "absent when the trace has no version");
      assertEquals(turns.containsKey(s.id()) ? String.valueOf(turns.get(s.id())) : null, text(tags, "turn"));
      assertEquals(s.session(), text(r.path("source").path("source_data"), "session_id"));
      assertEquals("TRACE", r.path("source").path("source_type").asText());
    }
    JsonNode refund = records.stream().filter(r -> "sess-refund-9f1".equals(text(r.get("tags"), "session_id"))
        && "2".equals(text(r.get("tags"), "turn"))).findFirst().orElseThrow();
    assertEquals(JSON.readTree("{\"expected_facts\": [\"duplicate charge\", \"refund\", \"5 business days\"], "
        + "\"expected_response\": \"Duplicate charges are refunded within 5 business days.\"}"),
        refund.get("expectations"), "latest valid expected_response; the withdrawn newer one is ignored");
    assertEquals("Refunds are not possible.", refund.get("outputs").asText());
    assertTrue(result.contains(records.size() + " inserted"), result);
  }

  @Test
  void dedupeKeepsTheMostRecentTracePerDistinctInputs() throws IOException {
    Path out = SharedSpark.tempDir("eval-out").resolve("dedupe.jsonl");
    String result = run("eval-dataset", "--warehouse", small.toString(), "--name", "td-dedupe", "--filter",
        "tags.query_category = 'technical'", "--dedupe-inputs", "--output", out.toString());
    assertTrue(result.startsWith("0\n"), result);
    // Independent: Jackson's object equality ignores key order.
    Map<JsonNode, Source> latest = new LinkedHashMap<>();
    Comparator<Source> recency = Comparator.comparing(Source::time).thenComparing(Source::id);
    smallSources.stream().filter(s -> "technical".equals(text(s.info().get("tags"), "query_category")))
        .forEach(s -> latest.merge(s.inputs(), s, (a, b) -> recency.compare(a, b) >= 0 ? a : b));
    Set<String> expected = latest.values().stream().map(Source::id).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, new TreeSet<>(ids(lines(out))));
    assertEquals(3, expected.size(), "the login question asked twice, keys in another order, counts once");
  }

  @Test
  void sampleIsDeterministicAndKeepsEachGroupsShare() throws IOException {
    Path dir = SharedSpark.tempDir("eval-sample");
    String[] base = {"eval-dataset", "--warehouse", big.toString(), "--max-records", "40", "--stratify-by",
        "app_version"};
    run(concat(base, "--name", "s1", "--seed", "7", "--output", dir.resolve("a.jsonl").toString()));
    run(concat(base, "--name", "s2", "--seed", "7", "--output", dir.resolve("b.jsonl").toString()));
    run(concat(base, "--name", "s3", "--seed", "8", "--output", dir.resolve("c.jsonl").toString()));
    List<String> a = ids(lines(dir.resolve("a.jsonl")));
    assertEquals(a, ids(lines(dir.resolve("b.jsonl"))), "same data and seed, same records in the same order");
    assertNotEquals(new TreeSet<>(a), new TreeSet<>(ids(lines(dir.resolve("c.jsonl")))), "another seed");
    assertEquals(40, a.size());

    Map<String, Long> population = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
    bigSources.forEach(s -> population.merge(s.version(), 1L, Long::sum));
    long total = bigSources.size();
    Map<String, Long> sampled = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
    lines(dir.resolve("a.jsonl")).forEach(r -> sampled.merge(text(r.get("tags"), "app_version"), 1L, Long::sum));
    for (Map.Entry<String, Long> g : population.entrySet()) {
      double share = 40.0 * g.getValue() / total;
      long got = sampled.getOrDefault(g.getKey(), 0L);
      assertTrue(got == Math.floor(share) || got == Math.ceil(share),
          "group " + g.getKey() + ": " + got + " of an exact share " + share);
    }

    run("eval-dataset", "--warehouse", big.toString(), "--name", "s4", "--whole-sessions", "--max-records", "30",
        "--seed", "3", "--output", dir.resolve("d.jsonl").toString());
    List<JsonNode> whole = lines(dir.resolve("d.jsonl"));
    assertTrue(whole.size() <= 30 && whole.size() > 0, "at most the quota: " + whole.size());
    Map<String, Long> sessionSizes = bigSources.stream().filter(s -> s.session() != null)
        .collect(Collectors.groupingBy(Source::session, Collectors.counting()));
    Map<String, Long> taken = whole.stream().map(r -> text(r.get("tags"), "session_id")).filter(s -> s != null)
        .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    taken.forEach((session, n) -> assertEquals(sessionSizes.get(session), n, "session " + session + " whole"));
  }

  private static String[] concat(String[] base, String... more) {
    List<String> all = new ArrayList<>(List.of(base));
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  // -------------------------------------------------------------------------------------------- the table

  @Test
  void rerunCommitsNothingAndALateExpectationUpdatesTheRecord() throws IOException {
    Path wh = SharedSpark.tempDir("wh-eval-merge");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        SESSIONS_FILE.toString()), wh.toString(), null));
    String[] command = {"eval-dataset", "--warehouse", wh.toString(), "--name", "thumbs-down", "--filter",
        THUMBS_DOWN, "--whole-sessions", "--output", wh.resolve("td.jsonl").toString()};
    String first = run(command);
    assertTrue(first.contains("10 inserted, 0 updated, 0 unchanged"), first);
    DeltaTable table = DeltaTable.forPath(SharedSpark.session(), wh.resolve("eval_datasets").toString());
    long version = table.history().count();
    String again = run(command);
    assertTrue(again.contains("0 inserted, 0 updated, 10 unchanged; nothing to commit"), again);
    assertEquals(version, table.history().count(), "an identical rerun adds no Delta commit");

    // The C4 turn gets a second expectation a day later; ingest takes the fresher trace, the dataset follows.
    String line = Files.readAllLines(SESSIONS_FILE).stream().filter(l -> l.contains("You already said that"))
        .findFirst().orElseThrow();
    ObjectNode doc = (ObjectNode) JSON.readTree(line);
    String traceId = doc.get("info").get("trace_id").asText();
    ObjectNode late = ((com.fasterxml.jackson.databind.node.ArrayNode) doc.get("info").get("assessments"))
        .addObject();
    late.put("assessment_id", "a-late").put("assessment_name", "expected_facts").put("trace_id", traceId)
        .put("create_time", "2025-12-20T09:00:00Z").put("last_update_time", "2025-12-20T09:00:00Z");
    late.putObject("source").put("source_type", "HUMAN").put("source_id", "reviewer@example.com");
    late.putObject("expectation").putObject("serialized_value").put("serialization_format", "JSON_FORMAT")
        .put("value", "[\"account locked\", \"unlock email\"]");
    Path redelivery = SharedSpark.tempDir("eval-late").resolve("late.jsonl");
    Files.writeString(redelivery, JSON.writeValueAsString(doc) + "\n");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        redelivery.toString()), wh.toString(), null));
    Row before = table.toDF().where("record_id = '" + traceId + "'").first();
    String third = run(command);
    assertTrue(third.contains("0 inserted, 1 updated, 9 unchanged"), third);
    Row after = table.toDF().where("record_id = '" + traceId + "'").first();
    assertEquals(JSON.readTree("[\"account locked\", \"unlock email\"]"),
        JSON.readTree(after.<String>getAs("expectations")).get("expected_facts"));
    assertEquals(before.<Instant>getAs("created_at"), after.<Instant>getAs("created_at"));
    assertTrue(after.<Instant>getAs("last_update_time").isAfter(before.getAs("last_update_time")));
    assertEquals(10, table.toDF().where("dataset_name = 'thumbs-down'").count(), "one row per record");

    String list = run("eval-dataset", "--warehouse", wh.toString(), "--list");
    assertTrue(list.matches("(?s)0\n.*thumbs-down\\s+10\\s.*1 dataset\\(s\\).*"), list);
  }

  @Test
  void tracesFormatIsReadBackByIngestIntoTheSameTraces() {
    Path out = SharedSpark.tempDir("eval-traces").resolve("traces.jsonl");
    String result = run("eval-dataset", "--warehouse", small.toString(), "--name", "all-traces", "--format",
        "traces", "--output", out.toString());
    assertTrue(result.startsWith("0\n"), result);
    Path again = SharedSpark.tempDir("wh-eval-again");
    var summary = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(out.toString()), again.toString(), null));
    assertEquals(smallSources.size(), summary.inserted(), summary.render());
    assertEquals(0, summary.quarantined(), summary.render());
    String[] columns = {"trace_id", "client_request_id", "experiment_id", "request_time", "request_date",
        "execution_duration_ms", "state", "user_id", "session_id", "environment", "app_version", "deployment_id",
        "trace_name", "request", "response", "request_preview", "response_preview", "trace_metadata", "tags",
        "input_tokens", "output_tokens", "total_tokens", "assessments"};
    List<Row> original = SharedSpark.session().read().format("delta").load(small.resolve("traces").toString())
        .selectExpr(columns).orderBy("trace_id").collectAsList();
    List<Row> readBack = SharedSpark.session().read().format("delta").load(again.resolve("traces").toString())
        .selectExpr(columns).orderBy("trace_id").collectAsList();
    assertEquals(original, readBack, "every column but span_count and the ingest bookkeeping");
    // The documents carry every span: read back, the spans are the same rows (events are counted, not kept).
    String[] spanColumns = {"trace_id", "span_index", "span_id", "parent_span_id", "name", "span_type", "status_code",
        "status_message", "start_time", "end_time", "duration_ms", "inputs", "outputs",
        "to_json(map_from_entries(array_sort(map_entries(attributes)))) AS attributes", "model", "provider",
        "input_tokens", "output_tokens", "total_tokens", "cost"};
    List<Row> originalSpans = SharedSpark.session().read().format("delta").load(small.resolve("spans").toString())
        .selectExpr(spanColumns).orderBy("trace_id", "span_index").collectAsList();
    List<Row> spansBack = SharedSpark.session().read().format("delta").load(again.resolve("spans").toString())
        .join(SharedSpark.session().read().format("delta").load(small.resolve("spans").toString())
            .select("trace_id").distinct(), "trace_id")
        .selectExpr(spanColumns).orderBy("trace_id", "span_index").collectAsList();
    assertTrue(originalSpans.size() > 10, "spans: " + originalSpans.size());
    assertEquals(originalSpans, spansBack);
  }

  // -------------------------------------------------------------------------------------------- bad input

  @Test
  void badInputFailsWithOneLineAndWritesNothing() {
    Path wh = SharedSpark.tempDir("wh-eval-bad");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(
        SESSIONS_FILE.toString()), wh.toString(), null));
    String[][] cases = {
        {"--name", "td", "--filter", "tags.query_category IN ('billing')"},
        {"--name", "td", "--max-records", "5", "--stratify-by", "country"},
        {"--name", "bad name!"},
        {"--name", "td", "--seed", "3"},
        {"--name", "td", "--max-records", "0"},
        {"--name", "td", "--format", "csv"},
        {"--filter", THUMBS_DOWN}};
    String[] expectedMessages = {"Invalid comparator 'IN'", "Invalid --stratify-by 'country': valid columns are "
        + "app_version, environment, user_id, category", "Invalid --name 'bad name!'", "--seed only applies to a "
        + "sample", "Invalid --max-records 0", "Invalid --format 'csv'", "Missing --name"};
    for (int i = 0; i < cases.length; i++) {
      String result = run(concat(new String[] {"eval-dataset", "--warehouse", wh.toString()}, cases[i]));
      assertTrue(result.startsWith("2\n"), result);
      assertTrue(result.contains("tracelake eval-dataset: " + expectedMessages[i]), result);
      assertEquals(1, result.strip().lines().count() - 1, "one line: " + result);
    }
    String missing = run("eval-dataset", "--warehouse", wh.resolve("nope").toString(), "--name", "td");
    assertTrue(missing.startsWith("2\n") && missing.contains("does not exist"), missing);

    String none = run("eval-dataset", "--warehouse", wh.toString(), "--name", "td", "--filter",
        "tags.query_category = 'no-such-category'", "--output", wh.resolve("none.jsonl").toString());
    assertTrue(none.startsWith("0\n") && none.contains("no trace matches") && none.contains("nothing written"),
        none);
    assertFalse(Files.exists(wh.resolve("none.jsonl")));
    assertFalse(Files.exists(wh.resolve("eval_datasets")), "no table for nothing");
  }
}
