package io.tracelake.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The {@code spans} table: every span of the version of each trace that {@code traces} holds, normalised across span
 * shapes; a fresher re-delivery replaces a trace's spans, an older one or an identical re-read changes nothing.
 */
class SpansTableTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Row span(Dataset<Row> spans, String traceSuffix, String name) {
    return spans.where("trace_id = 'tr-a000000000000000000000000000000" + traceSuffix + "' AND name = '" + name + "'")
        .first();
  }

  private static IngestSummary ingest(Path wh, boolean reread, String... inputs) {
    return IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(inputs), wh.toString(), null, reread));
  }

  @Test
  void everySpanOfEveryShapeIsOneNormalisedRow() {
    Path wh = SharedSpark.tempDir("wh-spans");
    IngestSummary s = ingest(wh, false, SharedSpark.spansFixture().toString());
    SparkSession spark = SharedSpark.session();
    Dataset<Row> spans = spark.read().format("delta").load(wh.resolve("spans").toString());
    Dataset<Row> traces = spark.read().format("delta").load(wh.resolve("traces").toString());
    long spanCountSum = traces.selectExpr("coalesce(sum(span_count), 0)").first().getLong(0);
    assertEquals(spanCountSum, spans.count());
    assertEquals(spanCountSum, s.spansInserted());

    Row llm = span(spans, "1", "ChatOpenAI");  // MLflow 3.5.1+: base64 ids, STATUS_CODE_OK
    assertEquals("1000000000000003", llm.getAs("span_id"));
    assertEquals("1000000000000001", llm.getAs("parent_span_id"));
    assertEquals("LLM", llm.getAs("span_type"));
    assertEquals("OK", llm.getAs("status_code"));
    assertEquals(600.0, llm.<Double>getAs("duration_ms"), 1e-9);
    assertEquals("gpt-4o", llm.getAs("model"));
    assertEquals("openai", llm.getAs("provider"));
    assertEquals(50L, llm.<Long>getAs("total_tokens"));
    assertEquals(0.0009, llm.<Double>getAs("cost"), 1e-12);
    assertEquals(2, llm.<Integer>getAs("event_count"));
    Map<String, String> attributes = llm.getJavaMap(llm.fieldIndex("attributes"));
    assertEquals("0.7", attributes.get("temperature"));
    assertNull(attributes.get("mlflow.spanInputs"));  // inputs, outputs and the type have columns of their own
    assertNull(attributes.get("mlflow.spanType"));
    assertEquals("{\"messages\": [{\"role\": \"user\", \"content\": \"What is machine learning?\"}]}",
        llm.getAs("inputs"));

    Row early = span(spans, "3", "workflow");  // MLflow 3.0-3.4: root's parent ""
    assertNull(early.getAs("parent_span_id"));
    Row v2 = span(spans, "4", "api_call");  // MLflow 2: 0x ids, parent_id, status_code
    assertEquals("4000000000000002", v2.getAs("span_id"));
    assertEquals("4000000000000001", v2.getAs("parent_span_id"));
    assertEquals("ERROR", v2.getAs("status_code"));
    assertEquals("timeout", v2.getAs("status_message"));
    assertEquals(500.0, v2.<Double>getAs("duration_ms"), 1e-9);
    Row hex = span(spans, "7", "format_response");  // MLflow 3.5.0: hex ids, plain codes
    assertEquals("7000000000000002", hex.getAs("span_id"));
    assertEquals("UNSET", hex.getAs("status_code"));
    Row otel = span(spans, "8", "chat gpt-4o-mini");  // OpenTelemetry gen_ai.* attributes
    assertNull(otel.getAs("span_type"));
    assertEquals("gpt-4o-mini", otel.getAs("model"));
    assertEquals("openai", otel.getAs("provider"));
    assertEquals(18L, otel.<Long>getAs("total_tokens"));
    assertEquals(0, spans.where("trace_id = 'tr-a0000000000000000000000000000005'").count());  // no spans
  }

  /**
   * A second delivery of other traces onto the same dates (the insert-only path: every trace new to the table); the
   * table then holds each trace's spans once, as many as its span count, both deliveries' alike.
   */
  @Test
  void aDeliveryOfNewTracesOntoFilledDatesAddsExactlyTheirSpans() throws IOException {
    Path wh = SharedSpark.tempDir("wh-spans-filled");
    java.time.LocalDate start = java.time.LocalDate.parse("2025-12-01");
    IngestSummary[] runs = new IngestSummary[2];
    for (int delivery = 0; delivery < 2; delivery++) {
      Path dir = SharedSpark.tempDir("spans-filled-" + delivery);
      new io.tracelake.generate.TraceGenerator(new io.tracelake.generate.TraceGenerator.Spec(80, 31 + delivery, 2,
          6, 1, false, start)).writeTo(dir, 1);
      runs[delivery] = ingest(wh, false, dir.toString());
    }
    assertEquals(80, runs[1].inserted());
    assertEquals(0, runs[1].spansDeleted());
    SparkSession spark = SharedSpark.session();
    Dataset<Row> traces = spark.read().format("delta").load(wh.resolve("traces").toString());
    Dataset<Row> spans = spark.read().format("delta").load(wh.resolve("spans").toString());
    assertEquals(160, traces.count());
    assertEquals(traces.selectExpr("sum(span_count)").first().getLong(0), spans.count());
    assertEquals(0, spans.groupBy("trace_id", "span_index").count().where("count > 1").count());
    // Every span is of the version traces holds.
    assertEquals(0, spans.join(traces, spans.col("trace_id").equalTo(traces.col("trace_id"))
        .and(spans.col("record_hash").equalTo(traces.col("record_hash"))), "left_anti").count());
    long secondsSpans = spans.join(traces.where("ingested_at = (SELECT max(ingested_at) FROM delta.`"
        + wh.resolve("traces") + "`)"), "trace_id").count();
    assertEquals(secondsSpans, runs[1].spansInserted());
  }

  /**
   * A run killed during the spans table's first write (after traces was written; CI's kill test) leaves span files and
   * no {@code _delta_log}: the next run creates the table and writes every span, and traces stays as it was.
   */
  @Test
  void aRunKilledDuringTheSpansFirstWriteIsCompletedByTheNext() throws IOException {
    Path wh = SharedSpark.tempDir("wh-spans-killed");
    IngestSummary first = ingest(wh, false, SharedSpark.spansFixture().toString());
    org.apache.commons.io.FileUtils.deleteDirectory(wh.resolve("spans").resolve("_delta_log").toFile());
    IngestSummary next = ingest(wh, true, SharedSpark.spansFixture().toString());
    assertEquals(first.inserted(), next.unchanged());
    SparkSession spark = SharedSpark.session();
    long spans = spark.read().format("delta").load(wh.resolve("spans").toString()).count();
    assertEquals(first.spansInserted(), spans);
    assertEquals(spans, next.spansInserted());
  }

  @Test
  void aFresherRedeliveryReplacesATracesSpansAndAnOlderOrIdenticalOneChangesNothing() throws IOException {
    Path wh = SharedSpark.tempDir("wh-spans-redelivery");
    Path fixture = SharedSpark.spansFixture();
    ingest(wh, false, fixture.toString());
    String table = wh.resolve("spans").toString();
    SparkSession spark = SharedSpark.session();
    long version = DeltaTable.forPath(spark, table).history(1).first().getLong(0);

    ingest(wh, true, fixture.toString());  // the same export read again: nothing to write
    assertEquals(version, DeltaTable.forPath(spark, table).history(1).first().getLong(0));

    List<String> lines = Files.readAllLines(fixture);
    // Trace 2 again, fresher (one more assessment), now with two spans and the search succeeding.
    ObjectNode fresher = (ObjectNode) JSON.readTree(lines.get(1));
    ArrayNode assessments = (ArrayNode) fresher.with("info").withArray("assessments");
    assessments.add(JSON.readTree("{\"assessment_id\": \"a-late\", \"assessment_name\": \"quality\", \"source\": "
        + "{\"source_type\": \"HUMAN\", \"source_id\": \"u\"}, \"create_time\": \"2025-06-05T10:00:00Z\", "
        + "\"last_update_time\": \"2025-06-05T10:00:00Z\", \"feedback\": {\"value\": \"good\"}}"));
    ArrayNode fresherSpans = (ArrayNode) fresher.with("data").withArray("spans");
    fresherSpans.remove(2);
    ((ObjectNode) fresherSpans.get(1).get("status")).put("code", "STATUS_CODE_OK");
    // Trace 1 again, older (its feedback gone), with one span only: traces keeps the stored version, so spans do too.
    ObjectNode older = (ObjectNode) JSON.readTree(lines.get(0));
    older.with("info").remove("assessments");
    ((ArrayNode) older.with("data").withArray("spans")).remove(2);
    older.with("data").withArray("spans").remove(1);
    Path redelivery = SharedSpark.tempDir("redelivery").resolve("again.jsonl");
    Files.writeString(redelivery, JSON.writeValueAsString(fresher) + "\n" + JSON.writeValueAsString(older) + "\n"
        + JSON.writeValueAsString(fresher) + "\n");  // a duplicate in the same input, too

    IngestSummary s = ingest(wh, false, redelivery.toString());
    assertEquals(1, s.updated());
    assertEquals(2, s.spansInserted());
    assertEquals(3, s.spansDeleted());
    Dataset<Row> spans = spark.read().format("delta").load(table);
    List<Row> two = spans.where("trace_id = 'tr-a0000000000000000000000000000002'").orderBy("span_index")
        .collectAsList();
    assertEquals(List.of("agent", "search_web"), two.stream().map(r -> r.<String>getAs("name")).toList());
    assertEquals("OK", two.get(1).getAs("status_code"));
    assertEquals(3, spans.where("trace_id = 'tr-a0000000000000000000000000000001'").count());
    // One version per trace, and it is the one traces holds.
    Dataset<Row> traces = spark.read().format("delta").load(wh.resolve("traces").toString());
    assertEquals(0, spans.join(traces, spans.col("trace_id").equalTo(traces.col("trace_id"))
        .and(spans.col("record_hash").notEqual(traces.col("record_hash")))).count());
    assertEquals(traces.selectExpr("coalesce(sum(span_count), 0)").first().getLong(0), spans.count());
  }
}
