package io.tracelake.ingest;

import static io.tracelake.SameRows.assertSameRows;
import static io.tracelake.SameRows.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.SamplesWarehouse;
import io.tracelake.SharedSpark;
import io.tracelake.UserInputException;
import io.tracelake.config.ConfigLoader;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MLflow's OpenTelemetry tables in Unity Catalog ({@code --input-otel}), written here after Databricks' "Store
 * OpenTelemetry traces in Unity Catalog" and "Query OpenTelemetry traces stored in Unity Catalog" (MLflow 3.5+):
 * a v2 spans table {@code {prefix}_otel_spans} (one row per span: hex {@code trace_id}, {@code span_id},
 * {@code parent_span_id}, {@code name}, {@code start_time_unix_nano}, {@code end_time_unix_nano}, {@code attributes}
 * as {@code VARIANT} holding MLflow's attribute strings, {@code status} as {@code STRUCT<code, message>}) with its
 * annotations table {@code {prefix}_otel_annotations} (append-only with soft deletes: the latest row per
 * {@code annotation_id} by {@code updated_at}; {@code METADATA}, {@code TAG}, {@code FEEDBACK}, {@code EXPECTATION}
 * rows, {@code value} as {@code VARIANT}, rationale in {@code comment}), and a v1 spans table
 * ({@code mlflow_experiment_trace_otel_spans}, attributes as {@code MAP<STRING,STRING>}, status codes as numbers).
 * The rows are written from the bundled MLflow 3 export, so the tables they load can be compared with the export's.
 */
class OtelTablesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAMPLE = "mlflow3/traces-00000.jsonl";
  private static final int FIRST_TRACES = 120;
  /** The first traces of the export and the one still in progress further on. */
  private static final int TRACES = FIRST_TRACES + 1;
  private static final StructType SPAN_ROWS = new StructType()
      .add("trace_id", DataTypes.StringType).add("span_id", DataTypes.StringType)
      .add("parent_span_id", DataTypes.StringType).add("name", DataTypes.StringType)
      .add("start_time_unix_nano", DataTypes.LongType).add("end_time_unix_nano", DataTypes.LongType)
      .add("attributes", DataTypes.StringType).add("code", DataTypes.StringType)
      .add("message", DataTypes.StringType);
  private static final StructType ANNOTATION_ROWS = new StructType()
      .add("annotation_id", DataTypes.StringType).add("trace_id", DataTypes.StringType)
      .add("annotation_type", DataTypes.StringType).add("name", DataTypes.StringType)
      .add("value", DataTypes.StringType).add("comment", DataTypes.StringType)
      .add("source_type", DataTypes.StringType).add("source_id", DataTypes.StringType)
      .add("created_at", DataTypes.TimestampType).add("updated_at", DataTypes.TimestampType)
      .add("deleted_at", DataTypes.TimestampType);

  private static final StructType LOG_ROWS = new StructType()
      .add("event_name", DataTypes.StringType).add("trace_id", DataTypes.StringType)
      .add("span_id", DataTypes.StringType).add("time_unix_nano", DataTypes.LongType)
      .add("body", DataTypes.StringType)
      .add("attributes", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
  private static final String V1_SPANS = "mlflow_experiment_trace_otel_spans";
  /** The trace columns compared with the export's (and the previews, where the tables carry them). */
  private static final String[] TRACE_COLUMNS = {"trace_id", "client_request_id", "request_time", "request_date",
      "execution_duration_ms", "state", "user_id", "session_id", "environment", "app_version", "deployment_id",
      "trace_name", "request", "response",
      "array_sort(map_entries(trace_metadata)) AS trace_metadata", "array_sort(map_entries(tags)) AS tags",
      "input_tokens", "output_tokens", "total_tokens", "span_count", "cost_usd", "cost_source",
      // a VARIANT's JSON text is compact and its numbers normalised (5.0 is 5); the export's keeps the writer's
      "array_sort(transform(assessments, a -> struct(a.assessment_id, a.name, a.kind, a.source_type, "
          + "a.source_id, coalesce(cast(try_cast(a.value AS DOUBLE) AS STRING), regexp_replace(a.value, ' ', '')) "
          + "AS value, a.rationale, a.create_time, a.last_update_time, a.valid))) AS assessments"};

  private static Path tables;
  private static Path v2Warehouse;
  private static IngestSummary v2Run;
  private static String inProgressTrace;

  @BeforeAll
  static void writeTheTablesAndIngest() throws IOException {
    SparkSession spark = SharedSpark.session();
    List<Row> spans = new ArrayList<>();
    List<Row> annotations = new ArrayList<>();
    List<Row> logs = new ArrayList<>();
    List<String> lines = Files.readAllLines(SamplesWarehouse.samples().resolve(SAMPLE));
    for (int i = 0; i < lines.size(); i++) {
      if (i < FIRST_TRACES || lines.get(i).contains("\"IN_PROGRESS\"")) {  // and the one still in progress
        addTrace(JSON.readTree(lines.get(i)), spans, annotations);
        addLogEvents(JSON.readTree(lines.get(i)), logs);
      }
    }
    tables = SharedSpark.tempDir("otel-tables");
    appendV2(tables.resolve("agents"), spans, annotations);
    // v1: the same spans, attributes as a map, status codes as OpenTelemetry's numbers; the logs table beside them,
    // and once more without it.
    for (String folder : List.of("v1", "v1-spans-only")) {
      spark.createDataFrame(spans, SPAN_ROWS).selectExpr("trace_id", "span_id", "parent_span_id", "name",
              "start_time_unix_nano", "end_time_unix_nano",
              "from_json(attributes, 'map<string,string>') AS attributes",
              "named_struct('code', CASE code WHEN 'STATUS_CODE_OK' THEN 1 WHEN 'STATUS_CODE_ERROR' THEN 2 ELSE 0 "
                  + "END, 'message', message) AS status")
          .write().format("delta").save(tables.resolve(folder).resolve(V1_SPANS).toString());
    }
    spark.createDataFrame(logs, LOG_ROWS).write().format("delta")
        .save(tables.resolve("v1").resolve("mlflow_experiment_trace_otel_logs").toString());
    v2Warehouse = SharedSpark.tempDir("wh-otel-v2");
    v2Run = IngestJob.run(spark, ConfigLoader.defaults(), new IngestJob.Options(List.of(), v2Warehouse.toString(),
        null, false, List.of(), List.of(tables.resolve("agents").toString())));
  }

  @Test
  void aV2TableWithItsAnnotationsLoadsTheSameTracesAsTheExport() {
    assertEquals(TRACES, v2Run.inserted());
    assertEquals(0, v2Run.quarantined());
    String[] columns = new String[TRACE_COLUMNS.length + 2];
    System.arraycopy(TRACE_COLUMNS, 0, columns, 0, TRACE_COLUMNS.length);
    columns[TRACE_COLUMNS.length] = "request_preview";
    columns[TRACE_COLUMNS.length + 1] = "response_preview";
    Dataset<Row> expected = exported(table(SamplesWarehouse.path(), "traces")).selectExpr(columns);
    assertSameRows(expected, table(v2Warehouse, "traces").where("trace_id <> '" + inProgressTrace + "'")
        .selectExpr(columns));
    assertEquals("IN_PROGRESS", table(v2Warehouse, "traces").where("trace_id = '" + inProgressTrace + "'")
        .first().getAs("state"));
    String[] spanColumns = {"trace_id", "span_index", "span_id", "parent_span_id", "name", "span_type",
        "status_code", "start_time", "end_time", "inputs", "outputs", "model", "total_tokens", "cost",
        "array_sort(map_entries(map_filter(attributes, (k, v) -> k NOT IN ('user.id', 'session.id', "
            + "'mlflow.traceRequestId')))) AS a"};
    assertSameRows(exported(table(SamplesWarehouse.path(), "spans")).selectExpr(spanColumns),
        table(v2Warehouse, "spans").where("trace_id <> '" + inProgressTrace + "'").selectExpr(spanColumns));
  }

  @Test
  void aV1TableWithItsLogEventsLoadsTheSameTracesAsTheExport() {
    Path wh = SharedSpark.tempDir("wh-otel-v1");
    String spans = tables.resolve("v1").resolve(V1_SPANS).toString();
    IngestSummary run = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(
        List.of(), wh.toString(), null, false, List.of(), List.of(spans)));
    assertEquals(TRACES, run.inserted());
    // The metadata events carry no previews (the view does not have them either).
    assertSameRows(exported(table(SamplesWarehouse.path(), "traces")).selectExpr(TRACE_COLUMNS),
        table(wh, "traces").where("trace_id <> '" + inProgressTrace + "'").selectExpr(TRACE_COLUMNS));
    // Run again: nothing was appended, so nothing is read; with --reread the tables are read whole, to no change.
    IngestSummary again = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(
        List.of(), wh.toString(), null, false, List.of(), List.of(spans)));
    assertEquals(0, again.recordsRead());
    IngestSummary reread = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(
        List.of(), wh.toString(), null, true, List.of(), List.of(spans)));
    assertEquals(0, reread.inserted() + reread.updated());
    assertEquals(TRACES, reread.unchanged());
  }

  @Test
  void aV1TableWithoutLogsLoadsItsTracesFromTheSpansAlone() {
    Path wh = SharedSpark.tempDir("wh-otel-v1-spans");
    IngestSummary run = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(
        List.of(), wh.toString(), null, false, List.of(),
        List.of(tables.resolve("v1-spans-only").resolve(V1_SPANS).toString())));
    assertEquals(TRACES, run.inserted());
    String[] columns = {"trace_id", "request_time", "execution_duration_ms", "state", "user_id", "session_id",
        "request", "response", "span_count", "total_tokens"};
    assertSameRows(exported(table(SamplesWarehouse.path(), "traces")).selectExpr(columns),
        table(wh, "traces").where("trace_id <> '" + inProgressTrace + "'").selectExpr(columns));
  }

  /**
   * Two appends to a v2 pair of tables, each followed by a run: the first holds back one trace's root span (the
   * trace is in progress until the second) and another trace's tags (annotations that arrive with no new span). The
   * second run reads only what was appended and rebuilds only the traces it touches, and the warehouse ends equal
   * to one that read the final tables whole.
   */
  @Test
  void appendsAreReadIncrementallyAndEndAsOneWholeRead() throws IOException {
    List<Row> spans = new ArrayList<>();
    List<Row> annotations = new ArrayList<>();
    List<String> lines = Files.readAllLines(SamplesWarehouse.samples().resolve(SAMPLE));
    for (int i = 0; spans.stream().map(r -> r.getString(0)).distinct().count() < 30; i++) {
      if (!lines.get(i).contains("\"IN_PROGRESS\"")) {
        addTrace(JSON.readTree(lines.get(i)), spans, annotations);
      }
    }
    List<String> order = spans.stream().map(r -> r.getString(0)).distinct().toList();
    String rootLater = order.get(20);
    String tagsLater = order.get(5);
    java.util.function.Predicate<Row> firstSpans = r -> order.indexOf(r.getString(0)) < 20
        || r.getString(0).equals(rootLater) && !r.getString(2).isEmpty();
    java.util.function.Predicate<Row> firstAnnotations = r -> order.indexOf(r.getString(1)
        .substring(r.getString(1).length() - 32)) < 20
        && !(r.getString(1).endsWith(tagsLater) && r.getString(2).equals("TAG"));
    Path inc = SharedSpark.tempDir("otel-incremental").resolve("inc");
    Path wh = SharedSpark.tempDir("wh-otel-incremental");
    IngestJob.Options options = new IngestJob.Options(List.of(), wh.toString(), null, false, List.of(),
        List.of(inc.toString()));
    appendV2(inc, spans.stream().filter(firstSpans).toList(),
        annotations.stream().filter(firstAnnotations).toList());
    IngestSummary first = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), options);
    assertEquals(21, first.inserted());
    List<Row> secondSpans = new ArrayList<>(spans.stream().filter(firstSpans.negate()).toList());
    secondSpans.add(RowFactory.create("not-a-hex-id", "00000000000000aa", "", "stray", 1L, 2L, "{}",
        "STATUS_CODE_OK", ""));
    appendV2(inc, secondSpans, annotations.stream().filter(firstAnnotations.negate()).toList());
    IngestSummary second = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), options);
    // Read: the nine new traces, the one whose root came, the one whose tags came; not the other nineteen; and the
    // span that names no trace, quarantined with where it was read.
    assertEquals(12, second.recordsRead());
    assertEquals(1, second.quarantined());
    assertEquals("span 00000000000000aa of trace not-a-hex-id, table version <= 1",
        table(wh, "traces_quarantine").first().getAs("position"));
    assertEquals(9, second.inserted());
    assertEquals(2, second.updated());
    Row versions = table(wh, "ingest_runs").orderBy(org.apache.spark.sql.functions.col("started_at").desc())
        .selectExpr("input_versions['" + inc + "_otel_spans']", "input_versions['" + inc + "_otel_annotations']")
        .first();
    assertEquals(List.of(1L, 1L), List.of(versions.getLong(0), versions.getLong(1)));

    Path whole = SharedSpark.tempDir("wh-otel-whole");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(List.of(),
        whole.toString(), null, false, List.of(), List.of(inc.toString())));
    assertSameRows(comparable(table(whole, "traces")), comparable(table(wh, "traces")));
    assertSameRows(comparable(table(whole, "spans")), comparable(table(wh, "spans")));
  }

  /** The rows without the run's time, maps as sorted entries (set operations cannot compare maps). */
  private static Dataset<Row> comparable(Dataset<Row> rows) {
    List<org.apache.spark.sql.Column> columns = new ArrayList<>();
    for (var f : rows.schema().fields()) {
      if (!f.name().equals("ingested_at")) {
        columns.add(f.dataType() instanceof org.apache.spark.sql.types.MapType
            ? org.apache.spark.sql.functions.expr("array_sort(map_entries(" + f.name() + "))").as(f.name())
            : rows.col(f.name()));
      }
    }
    return rows.select(columns.toArray(new org.apache.spark.sql.Column[0]));
  }

  @Test
  void aTableThatIsNotASpansTableFailsWithOneLine() {
    UserInputException e = assertThrows(UserInputException.class, () -> IngestJob.run(SharedSpark.session(),
        ConfigLoader.defaults(), new IngestJob.Options(List.of(), SharedSpark.tempDir("wh-otel-bad").toString(),
            null, false, List.of(), List.of(SamplesWarehouse.path().resolve("traces").toString()))));
    assertTrue(e.getMessage().contains("_otel_spans"), e.getMessage());
    Path notSpans = tables.resolve("other_otel_spans");
    SharedSpark.session().sql("SELECT 'x' AS trace_id").write().format("delta").save(notSpans.toString());
    e = assertThrows(UserInputException.class, () -> IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(), SharedSpark.tempDir("wh-otel-bad").toString(), null, false, List.of(),
            List.of(notSpans.toString()))));
    assertTrue(e.getMessage().contains("is not an MLflow OpenTelemetry spans table: no column span_id"),
        e.getMessage());
  }

  /** The rows of the traces written to the tables, from the samples' warehouse, but the one still in progress. */
  private static Dataset<Row> exported(Dataset<Row> rows) {
    Dataset<Row> ids = table(v2Warehouse, "traces").where("trace_id <> '" + inProgressTrace + "'")
        .select("trace_id");
    return rows.join(ids, "trace_id").select(rows.columns()[0], java.util.Arrays.copyOfRange(rows.columns(), 1,
        rows.columns().length));
  }

  // ----------------------------------------------- the test's own Trace.to_json() → OpenTelemetry table rows

  /** Appends the rows to the v2 tables {@code prefix_otel_spans} and {@code prefix_otel_annotations}, one commit each. */
  private static void appendV2(Path prefix, List<Row> spans, List<Row> annotations) {
    SparkSession spark = SharedSpark.session();
    spark.createDataFrame(spans, SPAN_ROWS).selectExpr("trace_id", "span_id", "parent_span_id", "name",
            "start_time_unix_nano", "end_time_unix_nano", "parse_json(attributes) AS attributes",
            "named_struct('code', code, 'message', message) AS status")
        .write().format("delta").mode("append").save(prefix + "_otel_spans");
    spark.createDataFrame(annotations, ANNOTATION_ROWS).selectExpr("annotation_id", "trace_id", "annotation_type",
            "name", "parse_json(value) AS value", "comment", "source_type", "source_id", "created_at", "updated_at",
            "deleted_at")
        .write().format("delta").mode("append").save(prefix + "_otel_annotations");
  }

  private static void addTrace(JsonNode trace, List<Row> spans, List<Row> annotations) throws IOException {
    JsonNode info = trace.path("info");
    boolean inProgress = info.path("state").asText().equals("IN_PROGRESS");
    if (inProgress) {
      inProgressTrace = info.path("trace_id").asText();
    }
    String otelTraceId = null;
    for (JsonNode span : trace.path("data").path("spans")) {
      otelTraceId = hex(span.path("trace_id").asText(), 16);
      boolean root = span.path("parent_span_id").isNull() || span.path("parent_span_id").asText().isEmpty();
      if (root && inProgress) {
        continue;  // an unfinished span is not exported
      }
      ObjectNode attributes = ((ObjectNode) span.path("attributes")).deepCopy();
      if (!attributes.has("mlflow.traceRequestId")) {  // MLflow sets it on every span
        attributes.put("mlflow.traceRequestId", JSON.writeValueAsString(info.path("trace_id").asText()));
      }
      if (root) {  // MLflow copies the trace's user and session to the root for OpenTelemetry
        attributes.put("user.id", info.path("trace_metadata").path("mlflow.trace.user").asText());
        attributes.put("session.id", info.path("trace_metadata").path("mlflow.trace.session").asText());
      }
      spans.add(RowFactory.create(otelTraceId, hex(span.path("span_id").asText(), 8),
          root ? "" : hex(span.path("parent_span_id").asText(), 8), span.path("name").asText(),
          span.path("start_time_unix_nano").asLong(),
          span.path("end_time_unix_nano").isNull() ? null : span.path("end_time_unix_nano").asLong(),
          JSON.writeValueAsString(attributes), span.path("status").path("code").asText(),
          span.path("status").path("message").asText("")));
    }
    String traceId = "trace:/main.agents.agents/" + otelTraceId;
    Timestamp at = Timestamp.from(Instant.parse(info.path("request_time").asText()).plusSeconds(5));
    ObjectNode metadata = JSON.createObjectNode();
    metadata.set("client_request_id", info.get("client_request_id"));
    metadata.set("trace_metadata", info.get("trace_metadata"));
    metadata.set("request_preview", info.get("request_preview"));
    metadata.set("response_preview", info.get("response_preview"));
    annotations.add(RowFactory.create("m-" + otelTraceId, traceId, "METADATA", null,
        JSON.writeValueAsString(metadata), null, null, null, at, at, null));
    for (var it = info.path("tags").fields(); it.hasNext(); ) {
      var tag = it.next();
      String id = "t-" + otelTraceId + "-" + tag.getKey();
      // An older version of each tag first, superseded; and a tag set and then deleted.
      annotations.add(RowFactory.create(id, traceId, "TAG", tag.getKey(), JSON.writeValueAsString("old"), null,
          null, null, at, at, null));
      annotations.add(RowFactory.create(id, traceId, "TAG", tag.getKey(),
          JSON.writeValueAsString(tag.getValue().asText()), null, null, null, at,
          new Timestamp(at.getTime() + 1000), null));
    }
    annotations.add(RowFactory.create("t-" + otelTraceId + "-gone", traceId, "TAG", "reviewed",
        JSON.writeValueAsString("yes"), null, null, null, at, new Timestamp(at.getTime() + 2000),
        new Timestamp(at.getTime() + 2000)));
    for (JsonNode a : info.path("assessments")) {
      boolean feedback = a.has("feedback");
      JsonNode value = feedback ? a.path("feedback").path("value")
          : a.path("expectation").has("value") ? a.path("expectation").get("value")
          : JSON.readTree(a.path("expectation").path("serialized_value").path("value").asText());
      annotations.add(RowFactory.create(a.path("assessment_id").asText(), traceId,
          feedback ? "FEEDBACK" : "EXPECTATION", a.path("assessment_name").asText(),
          JSON.writeValueAsString(value), a.hasNonNull("rationale") ? a.get("rationale").asText() : null,
          a.path("source").path("source_type").asText(), a.path("source").path("source_id").asText(),
          Timestamp.from(Instant.parse(a.path("create_time").asText())),
          Timestamp.from(Instant.parse(a.path("last_update_time").asText())), null));
    }
  }

  /**
   * The trace's metadata, tags and assessments as v1's log events, as the view Databricks creates over the logs table
   * reads them: JSON bodies (an assessment's source, feedback and expectation as JSON text inside it), the
   * assessment's id and deletion in the attributes, the latest event per key counting. Each tag is first set to an
   * older value; a tag and an assessment are set and then deleted.
   */
  private static void addLogEvents(JsonNode trace, List<Row> logs) throws IOException {
    JsonNode info = trace.path("info");
    String traceId = null;
    for (JsonNode span : trace.path("data").path("spans")) {
      traceId = hex(span.path("trace_id").asText(), 16);
    }
    long t = Instant.parse(info.path("request_time").asText()).toEpochMilli() * 1_000_000L;
    ObjectNode metadata = JSON.createObjectNode();
    metadata.set("client_request_id", info.get("client_request_id"));
    metadata.set("trace_metadata", info.get("trace_metadata"));
    logs.add(RowFactory.create("genai.trace.metadata", traceId, "", t, JSON.writeValueAsString(metadata),
        java.util.Map.of()));
    List<String> tags = new ArrayList<>();
    info.path("tags").fieldNames().forEachRemaining(tags::add);
    for (String key : tags) {
      logs.add(RowFactory.create("genai.trace.tag", traceId, "", t + 1, JSON.writeValueAsString(
          JSON.createObjectNode().put("key", key).put("value", "old")), java.util.Map.of()));
      logs.add(RowFactory.create("genai.trace.tag", traceId, "", t + 2, JSON.writeValueAsString(
          JSON.createObjectNode().put("key", key).put("value", info.path("tags").path(key).asText())),
          java.util.Map.of()));
    }
    logs.add(RowFactory.create("genai.trace.tag", traceId, "", t + 1, JSON.writeValueAsString(
        JSON.createObjectNode().put("key", "reviewed").put("value", "yes")), java.util.Map.of()));
    logs.add(RowFactory.create("genai.trace.tag", traceId, "", t + 3, JSON.writeValueAsString(
        JSON.createObjectNode().put("key", "reviewed").put("value", "yes")), java.util.Map.of("deleted", "true")));
    List<JsonNode> assessments = new ArrayList<>();
    info.path("assessments").forEach(assessments::add);
    ObjectNode gone = JSON.createObjectNode().put("assessment_id", "gone-" + traceId).put("assessment_name", "x")
        .put("create_time", "2025-12-01T00:00:00Z").put("last_update_time", "2025-12-01T00:00:00Z");
    gone.putObject("feedback").put("value", 1);
    gone.putObject("source").put("source_type", "HUMAN").put("source_id", "u");
    assessments.add(gone);
    for (JsonNode a : assessments) {
      boolean deleted = a.path("assessment_id").asText().startsWith("gone-");
      ObjectNode body = JSON.createObjectNode();
      body.put("assessment_id", a.path("assessment_id").asText());
      body.put("trace_id", info.path("trace_id").asText());
      body.put("assessment_name", a.path("assessment_name").asText());
      body.put("source", JSON.writeValueAsString(a.path("source")));
      body.put("create_time", Instant.parse(a.path("create_time").asText()).toEpochMilli());
      body.put("last_update_time", Instant.parse(a.path("last_update_time").asText()).toEpochMilli());
      for (String kind : List.of("feedback", "expectation")) {
        if (a.has(kind)) {
          body.put(kind, JSON.writeValueAsString(a.get(kind)));
        }
      }
      if (a.hasNonNull("rationale")) {
        body.put("rationale", a.get("rationale").asText());
      }
      logs.add(RowFactory.create("genai.assessments.snapshot", traceId, "", t + 5, JSON.writeValueAsString(body),
          java.util.Map.of("assessment_id", a.path("assessment_id").asText(), "deleted", "false")));
      if (deleted) {
        logs.add(RowFactory.create("genai.assessments.snapshot", traceId, "", t + 6, JSON.writeValueAsString(body),
            java.util.Map.of("assessment_id", a.path("assessment_id").asText(), "deleted", "true")));
      }
    }
  }

  /** MLflow's base64 id (or hex) as the hex the OpenTelemetry tables keep. */
  private static String hex(String id, int bytes) {
    if (id.matches("[0-9a-f]{" + bytes * 2 + "}")) {
      return id;
    }
    String hex = new BigInteger(1, Base64.getDecoder().decode(id)).toString(16);
    return "0".repeat(bytes * 2 - hex.length()) + hex;
  }
}
