package io.tracelake.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Span, text, null and prompt filters over the spans fixture (every span shape MLflow writes), each checked against an
 * evaluation of the fixture's JSON in plain Java that does not use Tracelake's reader: a span clause is true when one
 * span of the trace matches, and two span clauses joined by AND may be matched by different spans (as in MLflow's SQL
 * store, which joins the spans table once per clause).
 */
class SpanFilterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Dataset<Row> traces;
  private static SpanSource spans;
  private static List<Trace> fixture;

  /** One span as the fixture's JSON says, normalised here independently of ingest. */
  record Span(String name, String type, String status, Map<String, String> attributes, String content) {}

  record Trace(String id, String state, String request, String response, Map<String, String> tags, Map<String, String> metadata,
      List<JsonNode> assessments, List<Span> spans) {

    boolean anySpan(Predicate<Span> p) {
      return spans.stream().anyMatch(p);
    }

    boolean validAssessment(String kind, String name) {
      return assessments.stream().anyMatch(a -> a.get("assessment_name").asText().equals(name) && a.has(kind)
          && (!a.has("valid") || a.get("valid").asBoolean()));
    }

    boolean linksPrompt(String name, String version) {
      String linked = tags.get("mlflow.linkedPrompts");
      if (linked == null) {
        return false;
      }
      try {
        for (JsonNode p : JSON.readTree(linked)) {
          if (p.get("name").asText().equals(name) && p.get("version").asText().equals(version)) {
            return true;
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return false;
    }
  }

  @BeforeAll
  static void ingest() throws IOException {
    Path fixtureFile = SharedSpark.spansFixture();
    Path wh = SharedSpark.tempDir("wh-span-filter");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(fixtureFile.toString()), wh.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(SharedSpark.session(), wh.toString());
    traces = warehouse.read("traces");
    spans = SpanSource.of(warehouse);
    fixture = new ArrayList<>();
    for (String line : Files.readAllLines(fixtureFile)) {
      fixture.add(trace(JSON.readTree(line)));
    }
  }

  // ------------------------------------------------------------------------- the fixture, read independently

  private static Trace trace(JsonNode record) throws IOException {
    JsonNode info = record.get("info");
    String id = info.has("trace_id") ? info.get("trace_id").asText() : info.get("request_id").asText();
    Map<String, String> metadata = strings(info.has("trace_metadata") ? info.get("trace_metadata")
        : info.get("request_metadata"));
    List<Span> list = new ArrayList<>();
    String request = metadata.get("mlflow.traceInputs");
    String response = metadata.get("mlflow.traceOutputs");
    JsonNode data = record.get("data");
    if (data != null) {
      for (JsonNode s : data.get("spans")) {
        Map<String, String> raw = strings(s.get("attributes"));
        JsonNode parent = s.has("parent_span_id") ? s.get("parent_span_id") : s.get("parent_id");
        boolean root = parent == null || parent.isNull() || parent.asText().isEmpty();
        if (root) {
          request = raw.getOrDefault("mlflow.spanInputs", request);
          response = raw.getOrDefault("mlflow.spanOutputs", response);
        }
        String status = s.has("status") ? s.get("status").get("code").asText() : s.get("status_code").asText();
        status = status.replace("STATUS_CODE_", "");
        Map<String, String> decoded = new LinkedHashMap<>();
        for (Map.Entry<String, String> a : raw.entrySet()) {
          JsonNode v = JSON.readTree(a.getValue());
          decoded.put(a.getKey(), v.isTextual() ? v.asText() : v.toString());
        }
        String type = decoded.get("mlflow.spanType");
        String content = s.get("name").asText() + "\n" + raw.values().stream().collect(Collectors.joining("\n"));
        list.add(new Span(s.get("name").asText(), type, status, decoded, content));
      }
    }
    List<JsonNode> assessments = new ArrayList<>();
    if (info.has("assessments")) {
      info.get("assessments").forEach(assessments::add);
    }
    String state = info.has("state") ? info.get("state").asText() : info.get("status").asText();
    return new Trace(id, state, request, response, strings(info.get("tags")), metadata, assessments, list);
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> m = new LinkedHashMap<>();
    if (node != null) {
      node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
          : e.getValue().toString()));
    }
    return m;
  }

  /** SQL LIKE / ILIKE: % any run of characters, _ one character. */
  private static boolean like(String value, String pattern, boolean ignoreCase) {
    if (value == null) {
      return false;
    }
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '%' ? ".*" : c == '_' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE : 0))
        .matcher(value).matches();
  }

  private static boolean rlike(String value, String regex) {
    return value != null && Pattern.compile(regex).matcher(value).find();
  }

  private static boolean contentLike(Trace t, String pattern, boolean ignoreCase) {
    return t.anySpan(s -> like(s.content(), pattern, ignoreCase));
  }

  private static Set<String> expected(Predicate<Trace> p) {
    return fixture.stream().filter(p).map(Trace::id).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> actual(String filter) {
    return traces.where(TraceFilter.parse(filter, spans)).select("trace_id").collectAsList().stream()
        .map(r -> r.getString(0)).collect(Collectors.toCollection(TreeSet::new));
  }

  // -------------------------------------------------------------------------------------------------- cases

  @Test
  void spanTextNullAndPromptFiltersReturnWhatAnIndependentEvaluationReturns() {
    Map<String, Predicate<Trace>> cases = new LinkedHashMap<>();
    cases.put("span.name = \"search_web\"", t -> t.anySpan(s -> s.name().equals("search_web")));
    cases.put("span.name != \"chat\"", t -> t.anySpan(s -> !s.name().equals("chat")));
    cases.put("span.name LIKE \"llm.%\"", t -> t.anySpan(s -> like(s.name(), "llm.%", false)));
    cases.put("span.name ILIKE \"%GENERATE%\"", t -> t.anySpan(s -> like(s.name(), "%GENERATE%", true)));
    cases.put("span.name RLIKE \"^database\\.query_users$\"",
        t -> t.anySpan(s -> rlike(s.name(), "^database\\.query_users$")));
    cases.put("span.name IN (\"api_call\", \"search_web\")",
        t -> t.anySpan(s -> Set.of("api_call", "search_web").contains(s.name())));
    cases.put("span.name NOT IN (\"chat\", \"agent\")",
        t -> t.anySpan(s -> !Set.of("chat", "agent").contains(s.name())));
    cases.put("span.type = \"LLM\"", t -> t.anySpan(s -> "LLM".equals(s.type())));
    cases.put("span.type IN (\"LLM\", \"RETRIEVER\")", t -> t.anySpan(s -> Set.of("LLM", "RETRIEVER")
        .contains(String.valueOf(s.type()))));
    cases.put("span.type NOT IN (\"LLM\", \"RETRIEVER\", \"CHAIN\")", t -> t.anySpan(s -> s.type() != null
        && !Set.of("LLM", "RETRIEVER", "CHAIN").contains(s.type())));
    cases.put("span.type RLIKE \"(EMBEDDING|RETRIEVER)\"", t -> t.anySpan(s -> rlike(s.type(),
        "(EMBEDDING|RETRIEVER)")));
    cases.put("span.type ILIKE \"llm\"", t -> t.anySpan(s -> like(s.type(), "llm", true)));
    cases.put("span.status = \"ERROR\"", t -> t.anySpan(s -> s.status().equals("ERROR")));
    cases.put("span.status != \"OK\"", t -> t.anySpan(s -> !s.status().equals("OK")));
    cases.put("span.status = \"UNSET\"", t -> t.anySpan(s -> s.status().equals("UNSET")));
    cases.put("span.status IN (\"OK\", \"ERROR\")", t -> t.anySpan(s -> Set.of("OK", "ERROR").contains(s.status())));
    cases.put("span.name = \"search_web\" AND span.status = \"ERROR\"",
        t -> t.anySpan(s -> s.name().equals("search_web")) && t.anySpan(s -> s.status().equals("ERROR")));
    cases.put("span.type = \"LLM\" AND span.type = \"RETRIEVER\"",
        t -> t.anySpan(s -> "LLM".equals(s.type())) && t.anySpan(s -> "RETRIEVER".equals(s.type())));
    cases.put("span.content LIKE \"%pinecone%\"", t -> contentLike(t, "%pinecone%", false));
    cases.put("span.content ILIKE \"%MACHINE LEARNING%\"", t -> contentLike(t, "%MACHINE LEARNING%", true));
    cases.put("span.content RLIKE \"gpt-4(o|-turbo)\"", t -> t.anySpan(s -> rlike(s.content(), "gpt-4(o|-turbo)")));
    cases.put("span.type = \"LLM\" AND span.content LIKE \"%gpt%\"",
        t -> t.anySpan(s -> "LLM".equals(s.type())) && contentLike(t, "%gpt%", false));
    cases.put("span.attributes.model LIKE \"%gpt-4%\"",
        t -> t.anySpan(s -> like(s.attributes().get("model"), "%gpt-4%", false)));
    cases.put("span.attributes.model RLIKE \"^claude\"",
        t -> t.anySpan(s -> rlike(s.attributes().get("model"), "^claude")));
    cases.put("span.attributes.provider = \"openai\"",
        t -> t.anySpan(s -> "openai".equals(s.attributes().get("provider"))));
    cases.put("span.attributes.similarity.threshold LIKE \"%0.8%\"",
        t -> t.anySpan(s -> like(s.attributes().get("similarity.threshold"), "%0.8%", false)));
    cases.put("span.attributes.`gen_ai.request.model` = \"gpt-4o-mini\"",
        t -> t.anySpan(s -> "gpt-4o-mini".equals(s.attributes().get("gen_ai.request.model"))));
    cases.put("span.attributes.nonexistent LIKE \"%value%\"", t -> false);
    cases.put("trace.text LIKE \"%neural network%\"", t -> like(t.request(), "%neural network%", false)
        || like(t.response(), "%neural network%", false) || contentLike(t, "%neural network%", false));
    cases.put("trace.text ILIKE \"%TRACE TEXT ONLY%\"", t -> like(t.request(), "%TRACE TEXT ONLY%", true)
        || like(t.response(), "%TRACE TEXT ONLY%", true) || contentLike(t, "%TRACE TEXT ONLY%", true));
    cases.put("trace.text LIKE \"%pinecone%\"", t -> like(t.request(), "%pinecone%", false)
        || like(t.response(), "%pinecone%", false) || contentLike(t, "%pinecone%", false));
    cases.put("tag.env IS NULL", t -> !t.tags().containsKey("env"));
    cases.put("tag.env IS NOT NULL AND tag.env = \"production\"", t -> "production".equals(t.tags().get("env")));
    cases.put("metadata.region IS NULL", t -> !t.metadata().containsKey("region"));
    cases.put("metadata.region IS NOT NULL", t -> t.metadata().containsKey("region"));
    cases.put("feedback.quality IS NULL", t -> !t.validAssessment("feedback", "quality"));
    cases.put("feedback.quality IS NOT NULL", t -> t.validAssessment("feedback", "quality"));
    cases.put("expectation.score IS NOT NULL", t -> t.validAssessment("expectation", "score"));
    cases.put("expectation.score IS NULL AND span.type = \"LLM\"",
        t -> !t.validAssessment("expectation", "score") && t.anySpan(s -> "LLM".equals(s.type())));
    cases.put("prompt = \"qa-prompt/3\"", t -> t.linksPrompt("qa-prompt", "3"));
    cases.put("prompt = \"chat-prompt/1\"", t -> t.linksPrompt("chat-prompt", "1"));
    cases.put("prompt = \"qa-prompt/999\"", t -> false);
    cases.put("span.type = \"LLM\" OR tag.env = \"dev\"",
        t -> t.anySpan(s -> "LLM".equals(s.type())) || "dev".equals(t.tags().get("env")));
    cases.put("span.status = \"ERROR\" AND status = 'ERROR'", t -> t.anySpan(s -> s.status().equals("ERROR"))
        && t.state().equals("ERROR"));
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Predicate<Trace>> c : cases.entrySet()) {
      Set<String> want = expected(c.getValue());
      Set<String> got = actual(c.getKey());
      if (!want.equals(got)) {
        failures.add(c.getKey() + ": expected " + want + ", got " + got);
      }
    }
    assertEquals(List.of(), failures, String.join("\n", failures));
    assertTrue(cases.size() >= 30);
    // The cases discriminate: most match some traces but not all.
    long partial = cases.values().stream().map(SpanFilterTest::expected)
        .filter(s -> !s.isEmpty() && s.size() < fixture.size()).count();
    assertTrue(partial >= 30, "cases that split the fixture: " + partial);
  }

  @Test
  void mlflowsRejectionsAreRejectedWithItsMessages() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("span.duration = \"1000\"", "Invalid span attribute 'duration'. Supported attributes: name, status, "
        + "type, attributes.<attribute_name>.");
    cases.put("span.content = \"test\"", "span.content comparator '=' not one of 'LIKE, ILIKE, RLIKE'");
    cases.put("prompt LIKE \"%qa%\"", "Invalid comparator 'LIKE' for prompts filter. Only '=' is supported with "
        + "format: prompt = \"name/version\"");
    cases.put("prompt = \"qa-prompt\"", "Invalid prompts filter value 'qa-prompt'. Expected format: prompt = "
        + "\"name/version\"");
    cases.put("name IN ('a', 'b')", "Invalid comparator 'IN'");
    cases.put("trace.text = 'x'", "Invalid comparator '=' for trace.text");
    cases.put("trace.status IS NULL", "IS NULL is not supported for string attribute 'status'");
    cases.put("tag.env IS 'x'", "Expected NULL after IS");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      FilterException e = assertThrows(FilterException.class, () -> TraceFilter.check(c.getKey()), c.getKey());
      assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " -> " + e.getMessage());
    }
  }

  @Test
  void aSpanFilterWithoutASpansTableFailsWithOneLineSayingSo() {
    Path empty = SharedSpark.tempDir("wh-no-spans");
    IngestJob.run(SharedSpark.session(), ConfigLoader.load(null, Map.of("ingest.spans", "false")),
        new IngestJob.Options(List.of(SharedSpark.spansFixture().toString()), empty.toString(), null));
    Warehouse w = Warehouse.openForRead(SharedSpark.session(), empty.toString());
    FilterException e = assertThrows(FilterException.class,
        () -> TraceFilter.parse("span.type = 'LLM'", SpanSource.of(w)));
    assertTrue(e.getMessage().contains("has no spans table"), e.getMessage());
    assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("ingest.spans"), e.getMessage());
    // Other clauses still work on that warehouse.
    assertEquals(8, w.read("traces").where(TraceFilter.parse("tag.env IS NULL OR tag.env IS NOT NULL",
        SpanSource.of(w))).count());
  }
}
