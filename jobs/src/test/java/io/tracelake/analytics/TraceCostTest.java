package io.tracelake.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each trace's {@code cost_usd} / {@code cost_source} / {@code unpriced_models}, and the cost columns of the daily,
 * user, session, release and path tables, against a computation in plain Java over the same traces.
 *
 * <p>The traces carry cost every way MLflow writes it — metadata {@code mlflow.trace.cost}, spans'
 * {@code mlflow.llm.cost}, or only tokens and a model (MLflow's attribute or OpenTelemetry's) for the price table —
 * and the ways it goes missing: a model without a price, a span without a model, a date before a model's first price,
 * token usage without spans, no usage at all, a trace still in progress. The price table changes a model's price on 2025-03-10 (UTC). Two
 * deliveries and two analytics runs (the second brings new traces, a late trace on an old date and a re-delivery
 * that finishes an in-progress trace with its spans), then a re-read under a price table that prices the missing
 * model: every figure is checked after the incremental runs and again after the re-read.
 */
class TraceCostTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DATES = List.of("2024-12-31", "2025-03-08", "2025-03-09", "2025-03-10",
      "2025-03-11");
  private static final String PRICES = """
      cost:
        prices:
          - {model: m-small, from: "2025-01-01", input_per_million_usd: 0.5, output_per_million_usd: 1.5}
          - {model: m-small, from: "2025-03-10", input_per_million_usd: 0.25, output_per_million_usd: 1.0}
          - {model: m-large, from: "2025-01-01", input_per_million_usd: 3, output_per_million_usd: 12}
      """;
  private static final String MORE_PRICES = PRICES
      + "    - {model: m-other, from: \"2024-01-01\", input_per_million_usd: 1, output_per_million_usd: 2}\n";

  private static Warehouse warehouse;
  private static final Map<String, T> traces = new TreeMap<>();
  private static TracelakeConfig config;
  private static IngestSummary firstIngest;
  private static Path dir;

  /** One span: its model (MLflow's attribute, or OpenTelemetry's when {@code otel}), tokens, own cost JSON. */
  record Span(String model, boolean otel, Long in, Long out, String costJson) {}

  record T(String id, String date, int minute, String user, String session, String version, String env,
      String state, String traceCostJson, String metadataTokens, List<Span> spans) {}

  /** What one trace's cost should be. */
  record Cost(Double usd, String source, List<String> unpriced) {}

  @BeforeAll
  static void deliveriesThenReread() throws IOException {
    SparkSession spark = SharedSpark.session();
    dir = SharedSpark.tempDir("trace-cost");
    Path configFile = dir.resolve("tracelake.yaml");
    Files.writeString(configFile, PRICES);
    config = ConfigLoader.load(configFile, Map.of());
    Random random = new Random(11);
    List<T> first = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      first.add(randomTrace("c-" + i, random));
    }
    // In progress when first exported: no spans, no cost yet.
    T unfinished = new T("c-late-finish", "2025-03-09", 5, "u-1", "s-1", "v1", "prod", "IN_PROGRESS", null, null,
        List.of());
    first.add(unfinished);
    // Still in progress at the end: spans with tokens and a priced model, but no cost until it ends.
    first.add(new T("c-still-running", "2025-03-10", 7, "u-3", "s-3", "v2", "prod", "IN_PROGRESS", null, null,
        List.of(new Span("m-small", false, 500L, 0L, null))));
    List<T> second = new ArrayList<>();
    for (int i = 90; i < 120; i++) {
      second.add(randomTrace("c-" + i, random));
    }
    second.add(new T("c-late-finish", "2025-03-09", 5, "u-1", "s-1", "v1", "prod", "OK", null, null,
        List.of(new Span("m-small", false, 1000L, 500L, null), new Span("m-large", false, 2000L, 100L, null))));
    second.add(new T("c-old-date", "2025-03-08", 1, "u-2", "s-2", "v2", "staging", "OK",
        "{\"input_cost\": 0.25, \"output_cost\": 0.5, \"total_cost\": 0.75}", null, List.of()));
    warehouse = Warehouse.openForWrite(spark, dir.resolve("warehouse").toString());
    firstIngest = deliver(spark, first, "d1");
    deliver(spark, second, "d2");
  }

  private static IngestSummary deliver(SparkSession spark, List<T> delivery, String name) throws IOException {
    Path file = dir.resolve(name + ".jsonl");
    Files.write(file, delivery.stream().map(TraceCostTest::line).toList());
    delivery.forEach(t -> traces.put(t.id(), t));
    IngestSummary summary = IngestJob.run(spark, config,
        new IngestJob.Options(List.of(file.toString()), warehouse.root(), null));
    AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    return summary;
  }

  private static T randomTrace(String id, Random r) {
    String date = DATES.get(r.nextInt(DATES.size()));
    String user = r.nextInt(6) == 0 ? null : "u-" + r.nextInt(4);
    String session = r.nextInt(5) == 0 ? null : "s-" + r.nextInt(7);
    String version = r.nextBoolean() ? "v1" : "v2";
    String env = r.nextInt(3) == 0 ? "staging" : "prod";
    String traceCost = null;
    String metadataTokens = null;
    List<Span> spans = new ArrayList<>();
    switch (r.nextInt(7)) {
      case 0 -> traceCost = String.format("{\"input_cost\": %s, \"output_cost\": %s, \"total_cost\": %s}",
          0.001 * r.nextInt(50), 0.002 * r.nextInt(50), 0.001 * r.nextInt(150));
      case 1 -> {  // spans record their cost (one without total_cost: input + output)
        spans.add(new Span("m-small", false, 100L + r.nextInt(900), 50L + r.nextInt(300),
            "{\"input_cost\": 0.0003, \"output_cost\": 0.0009, \"total_cost\": 0.0012}"));
        spans.add(new Span("m-large", false, 10L, 10L, "{\"input_cost\": 0.004, \"output_cost\": 0.001}"));
      }
      case 2, 3 -> {  // priced: MLflow's model attribute, or OpenTelemetry's
        spans.add(new Span(r.nextBoolean() ? "m-small" : "m-large", r.nextBoolean(), 100L + r.nextInt(5000),
            r.nextInt(2000) + 0L, null));
        if (r.nextBoolean()) {
          spans.add(new Span("m-small", false, 7L, 3L, null));
        }
      }
      case 4 -> {  // a model with no price, next to one with a price
        spans.add(new Span("m-other", false, 300L, 30L, null));
        spans.add(new Span("m-small", false, 10L, 10L, null));
      }
      case 5 -> spans.add(new Span(null, false, 40L, 20L, null));  // usage without a model
      default -> {
        if (r.nextBoolean()) {  // token usage recorded on the trace only
          metadataTokens = "{\"input_tokens\": 12, \"output_tokens\": 5, \"total_tokens\": 17}";
        }
      }
    }
    return new T(id, date, r.nextInt(600), user, session, version, env, "OK", traceCost, metadataTokens, spans);
  }

  /** The expected cost of one trace under {@code prices}, computed here, not by the code under test. */
  private static Cost expected(T t, List<TracelakeConfig.Price> prices) {
    if (t.state().equals("IN_PROGRESS")) {
      return new Cost(null, null, null);
    }
    if (t.traceCostJson() != null) {
      return new Cost(costOf(t.traceCostJson()), "trace", null);
    }
    if (t.spans().stream().anyMatch(s -> s.costJson() != null)) {
      return new Cost(t.spans().stream().filter(s -> s.costJson() != null).mapToDouble(s -> costOf(s.costJson()))
          .sum(), "spans", null);
    }
    if (!t.spans().isEmpty()) {
      double sum = 0;
      TreeSet<String> missing = new TreeSet<>();
      for (Span s : t.spans()) {
        TracelakeConfig.Price price = prices.stream()
            .filter(p -> p.model().equals(s.model()) && !p.fromDate().isAfter(java.time.LocalDate.parse(t.date())))
            .max(Comparator.comparing(TracelakeConfig.Price::fromDate)).orElse(null);
        if (price == null) {
          missing.add(s.model() == null ? "(no model)" : s.model());
        } else {
          sum += s.in() * price.inputPerMillionUsd() / 1e6 + s.out() * price.outputPerMillionUsd() / 1e6;
        }
      }
      return missing.isEmpty() ? new Cost(sum, "prices", null)
          : new Cost(null, "unpriced", new ArrayList<>(missing));
    }
    if (t.metadataTokens() != null) {
      return new Cost(null, "unpriced", List.of("(no model)"));
    }
    return new Cost(null, null, null);
  }

  private static double costOf(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      return n.has("total_cost") ? n.get("total_cost").asDouble()
          : n.path("input_cost").asDouble(0) + n.path("output_cost").asDouble(0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyFigureMatchesPlainJavaAfterIncrementalRunsAndAfterARereadWithNewPrices() throws IOException {
    assertTrue(firstIngest.warnings().stream().anyMatch(w -> w.contains("no price in cost.prices for")
        && w.contains("m-other") && w.contains("(no model)")), firstIngest.warnings().toString());
    checkEverything(config.cost().prices());

    // New prices, then a re-read: every trace carries the cost under the prices in force.
    Path configFile = dir.resolve("more-prices.yaml");
    Files.writeString(configFile, MORE_PRICES);
    config = ConfigLoader.load(configFile, Map.of());
    SparkSession spark = SharedSpark.session();
    IngestJob.run(spark, config, new IngestJob.Options(List.of(dir.resolve("d1.jsonl").toString(),
        dir.resolve("d2.jsonl").toString()), warehouse.root(), null, true));
    AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    checkEverything(config.cost().prices());
  }

  private static void checkEverything(List<TracelakeConfig.Price> prices) {
    Map<String, Cost> costs = new TreeMap<>();
    traces.values().forEach(t -> costs.put(t.id(), expected(t, prices)));
    assertTrue(costs.values().stream().map(Cost::source).collect(Collectors.toSet()).containsAll(
        java.util.Arrays.asList("trace", "spans", "prices", null)), "the fixture covers every source");

    Map<String, String> actual = new TreeMap<>();
    for (Row r : warehouse.read("traces").select("trace_id", "cost_usd", "cost_source", "unpriced_models")
        .collectAsList()) {
      actual.put(r.getString(0), render(r.get(1)) + " " + r.get(2) + " " + (r.isNullAt(3) ? null : r.getList(3)));
    }
    Map<String, String> want = new TreeMap<>();
    costs.forEach((id, c) -> want.put(id, render(c.usd()) + " " + c.source() + " " + c.unpriced()));
    assertSame(want, actual, "traces");

    check("daily_user_activity", List.of("activity_date", "user_id"), t -> t.date() + "|" + t.user(), costs);
    check("user_summary", List.of("user_id"), t -> String.valueOf(t.user()), costs);
    check("version_breakdown", List.of("activity_date", "app_version", "environment"),
        t -> t.date() + "|" + t.version() + "|" + t.env(), costs);
    check("version_summary", List.of("app_version", "environment"), t -> t.version() + "|" + t.env(), costs);
    check("environment_summary", List.of("environment"), T::env, costs);
    List<T> inSessions = traces.values().stream().filter(t -> t.session() != null).toList();
    checkOver(inSessions, "sessions", List.of("session_id"), T::session, costs);

    // session_paths, summed per release of the sessions' first turn.
    Map<String, T> firstTurns = new TreeMap<>();
    for (T t : inSessions) {
      firstTurns.merge(t.session(), t, (a, b) -> turnOrder().compare(a, b) <= 0 ? a : b);
    }
    Map<String, String> releaseOfSession = new TreeMap<>();
    firstTurns.forEach((s, t) -> releaseOfSession.put(s, t.version() + "|" + t.env()));
    Map<String, String> pathsWant = sums(inSessions, t -> releaseOfSession.get(t.session()), costs);
    Map<String, String> pathsGot = new TreeMap<>();
    for (Row r : warehouse.spark().sql("SELECT concat_ws('|', app_version, environment), "
        + "CAST(sum(CAST(cost_usd AS DECIMAL(30,12))) AS DOUBLE), sum(costed_traces) FROM delta.`"
        + warehouse.path("session_paths") + "` GROUP BY 1").collectAsList()) {
      pathsGot.put(r.getString(0), render(r.get(1)) + " " + r.get(2));
    }
    assertSame(pathsWant, pathsGot, "session_paths per release");
  }

  private static Comparator<T> turnOrder() {
    return Comparator.comparing((T t) -> t.date()).thenComparingInt(T::minute).thenComparing(T::id);
  }

  private static void check(String table, List<String> keys, Function<T, String> key, Map<String, Cost> costs) {
    checkOver(traces.values(), table, keys, key, costs);
  }

  private static void checkOver(Collection<T> over, String table, List<String> keys, Function<T, String> key,
      Map<String, Cost> costs) {
    Map<String, String> got = new TreeMap<>();
    String keyExpr = keys.size() == 1 ? "coalesce(CAST(" + keys.get(0) + " AS STRING), 'null')"
        : "concat_ws('|', " + keys.stream().map(k -> "coalesce(CAST(" + k + " AS STRING), 'null')")
            .collect(Collectors.joining(", ")) + ")";
    for (Row r : warehouse.spark().sql("SELECT " + keyExpr + ", cost_usd, costed_traces FROM delta.`"
        + warehouse.path(table) + "`").collectAsList()) {
      got.put(r.getString(0), render(r.get(1)) + " " + r.get(2));
    }
    assertSame(sums(over, key, costs), got, table);
  }

  /** Equal maps, or a failure that names only the keys that differ. */
  private static void assertSame(Map<String, String> want, Map<String, String> got, String what) {
    List<String> differences = new ArrayList<>();
    TreeSet<String> keys = new TreeSet<>(want.keySet());
    keys.addAll(got.keySet());
    keys.forEach(k -> {
      if (!java.util.Objects.equals(want.get(k), got.get(k))) {
        differences.add(k + ": want " + want.get(k) + ", got " + got.get(k));
      }
    });
    assertTrue(differences.isEmpty(), what + " differs in " + differences.size() + " of " + want.size() + ": "
        + differences);
  }

  /** Per key: the known costs summed (null when none is known) and how many are known. */
  private static Map<String, String> sums(Collection<T> over, Function<T, String> key, Map<String, Cost> costs) {
    Map<String, List<Double>> known = new TreeMap<>();
    for (T t : over) {
      List<Double> list = known.computeIfAbsent(String.valueOf(key.apply(t)), k -> new ArrayList<>());
      Double usd = costs.get(t.id()).usd();
      if (usd != null) {
        list.add(usd);
      }
    }
    Map<String, String> out = new TreeMap<>();
    known.forEach((k, list) -> out.put(k, (list.isEmpty() ? "null"
        : render(list.stream().mapToDouble(Double::doubleValue).sum())) + " " + list.size()));
    return out;
  }

  /** A cost to nine decimals (sums in another order differ in the last bits); null stays null. */
  private static String render(Object usd) {
    return usd == null ? "null" : String.format("%.9f", ((Number) usd).doubleValue());
  }

  private static String line(T t) {
    List<String> metadata = new ArrayList<>();
    metadata.add("\"mlflow.trace_schema.version\": \"3\"");
    if (t.user() != null) {
      metadata.add("\"mlflow.trace.user\": \"" + t.user() + "\"");
    }
    if (t.session() != null) {
      metadata.add("\"mlflow.trace.session\": \"" + t.session() + "\"");
    }
    metadata.add("\"app_version\": \"" + t.version() + "\"");
    metadata.add("\"mlflow.source.type\": \"" + t.env() + "\"");
    if (t.traceCostJson() != null) {
      metadata.add("\"mlflow.trace.cost\": " + quote(t.traceCostJson()));
    }
    if (t.metadataTokens() != null) {
      metadata.add("\"mlflow.trace.tokenUsage\": " + quote(t.metadataTokens()));
    }
    List<String> spans = new ArrayList<>();
    if (!t.spans().isEmpty()) {
      spans.add("{\"name\": \"chat\", \"span_id\": \"root\", \"parent_span_id\": null, \"attributes\": "
          + "{\"mlflow.spanType\": \"\\\"CHAIN\\\"\"}}");
    }
    int i = 0;
    for (Span s : t.spans()) {
      List<String> attributes = new ArrayList<>();
      attributes.add("\"mlflow.spanType\": \"\\\"LLM\\\"\"");
      if (s.model() != null) {
        attributes.add((s.otel() ? "\"gen_ai.request.model\": " : "\"mlflow.llm.model\": ")
            + quote("\"" + s.model() + "\""));
      }
      attributes.add("\"mlflow.chat.tokenUsage\": " + quote("{\"input_tokens\": " + s.in() + ", \"output_tokens\": "
          + s.out() + ", \"total_tokens\": " + (s.in() + s.out()) + "}"));
      if (s.costJson() != null) {
        attributes.add("\"mlflow.llm.cost\": " + quote(s.costJson()));
      }
      spans.add("{\"name\": \"llm-" + i + "\", \"span_id\": \"s" + i++ + "\", \"parent_span_id\": \"root\", "
          + "\"attributes\": {" + String.join(", ", attributes) + "}}");
    }
    return "{\"info\": {\"trace_id\": \"" + t.id() + "\", \"request_time\": \"" + t.date() + "T"
        + String.format("%02d:%02d:00Z", t.minute() / 60, t.minute() % 60) + "\", \"state\": \"" + t.state() + "\""
        + (t.state().equals("OK") ? ", \"execution_duration_ms\": 100" : "") + ", \"trace_metadata\": {"
        + String.join(", ", metadata) + "}}, \"data\": {\"spans\": [" + String.join(", ", spans) + "]}}";
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
