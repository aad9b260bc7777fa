package io.tracelake.ingest;

import static io.tracelake.SameRows.assertSameRows;
import static io.tracelake.SameRows.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.SamplesWarehouse;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry OTLP/JSON files, as the Collector's file exporter writes them (one {@code TracesData} per line;
 * OpenTelemetry "OTLP Specification 1.x", JSON Protobuf Encoding: hex ids, 64-bit integers as strings, enums as
 * integers, typed attribute values), holding the spans MLflow exports over OTLP: its own attributes as JSON text
 * ({@code mlflow/entities/span.py}), and on the root span the trace's user and session as {@code user.id} /
 * {@code session.id} and each tag as {@code mlflow.traceTag.<key>} ({@code mlflow/tracing/constant.py},
 * {@code SpanAttributeKey}).
 *
 * <p>The OTLP files are written here from the bundled MLflow 3 export by a converter of the test's own, so the traces
 * and spans they load can be compared with the ones the JSON export loads (in the samples' warehouse the suite
 * builds once).
 */
class OtlpInputTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAMPLE = "mlflow3/traces-00000.jsonl";

  private static Path jsonWarehouse;
  private static Path otlpWarehouse;
  private static Path inbox;
  private static IngestSummary firstRun;
  private static IngestSummary secondRun;
  private static long tracesWithRootInSecondFile;
  private static String inProgressTrace;

  /**
   * The export's spans as OTLP lines in two files: the first holds every span but the roots of every third trace,
   * the second those roots (with a metrics line and a broken line beside them), ingested in two runs.
   */
  @BeforeAll
  static void ingestBothForms() throws IOException {
    Path export = SamplesWarehouse.samples().resolve(SAMPLE);
    jsonWarehouse = SamplesWarehouse.path();
    otlpWarehouse = SharedSpark.tempDir("wh-otlp");
    inbox = SharedSpark.tempDir("otlp-inbox");

    List<ObjectNode> early = new ArrayList<>();
    List<ObjectNode> late = new ArrayList<>();
    int index = 0;
    for (String line : Files.readAllLines(export)) {
      JsonNode trace = JSON.readTree(line);
      boolean inProgress = trace.path("info").path("state").asText().equals("IN_PROGRESS");
      if (inProgress) {
        inProgressTrace = trace.path("info").path("trace_id").asText();
      }
      boolean rootLate = index++ % 3 == 0;
      for (JsonNode span : trace.path("data").path("spans")) {
        boolean root = span.path("parent_span_id").isNull() || span.path("parent_span_id").asText().isEmpty();
        if (root && inProgress) {
          continue;  // OpenTelemetry exports a span when it ends: an unfinished root is not in any file
        }
        ObjectNode otlp = otlpSpan(span, root ? trace.path("info") : null,
            trace.path("info").path("trace_id").asText());
        if (root && rootLate) {
          late.add(otlp);
          tracesWithRootInSecondFile++;
        } else {
          early.add(otlp);
        }
      }
    }
    Files.write(inbox.resolve("traces-1.jsonl"), tracesData(early, 7));
    firstRun = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(inbox.toString()), otlpWarehouse.toString(), null));

    List<String> second = new ArrayList<>();
    second.add("{\"resourceMetrics\": [{\"resource\": {}, \"scopeMetrics\": []}]}");
    second.addAll(tracesData(late, 5));
    second.add("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [");  // cut off mid-line
    try (var out = new GZIPOutputStream(Files.newOutputStream(inbox.resolve("traces-2.jsonl.gz")))) {
      out.write((String.join("\n", second) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    secondRun = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(inbox.toString()), otlpWarehouse.toString(), null));
  }

  @Test
  void aTraceWhoseRootHasNotArrivedIsInProgressUntilItDoes() {
    SparkSession spark = SharedSpark.session();
    assertEquals(400, firstRun.inserted());
    assertEquals(0, firstRun.quarantined());
    // After the first file only: the traces whose root is in the second are in progress, with no duration yet.
    Dataset<Row> firstVersion = spark.read().format("delta").option("versionAsOf", 0)
        .load(otlpWarehouse.resolve("traces").toString());
    assertEquals(tracesWithRootInSecondFile + 1,
        firstVersion.where("state = 'IN_PROGRESS' AND execution_duration_ms IS NULL").count());
    // The second run completes them: updated, none inserted; the metrics line skipped, the broken line quarantined.
    assertEquals(0, secondRun.inserted());
    assertEquals(tracesWithRootInSecondFile, secondRun.updated());
    assertEquals(1, secondRun.quarantined());
    assertEquals(1, secondRun.otlpLinesSkipped());
    assertTrue(secondRun.render().contains("skipped         1 OTLP line(s) of another signal"), secondRun.render());
    Row bad = spark.read().format("delta").load(otlpWarehouse.resolve("traces_quarantine").toString()).first();
    assertEquals("malformed_json", bad.getAs("reason"));
    assertTrue(bad.<String>getAs("source_file").endsWith("traces-2.jsonl.gz"));
    assertEquals(3L + (tracesWithRootInSecondFile + 4) / 5, bad.<Long>getAs("line_number") + 1);
    Dataset<Row> traces = spark.read().format("delta").load(otlpWarehouse.resolve("traces").toString());
    assertEquals(1, traces.where("state = 'IN_PROGRESS'").count());
    assertEquals(inProgressTrace, traces.where("state = 'IN_PROGRESS'").first().getAs("trace_id"));
  }

  @Test
  void theOtlpFilesLoadTheSameTracesAsTheJsonExport() {
    // What OTLP carries of a trace: everything but the metadata MLflow keeps out of span attributes (release,
    // token usage, cost and size statistics, previews) and the assessments, so the columns derived from those are
    // not compared; tokens and cost are summed over the spans instead.
    String columns = "trace_id, request_time, request_date, execution_duration_ms, state, user_id, session_id, "
        + "request, response, trace_name, array_sort(map_entries(tags)) AS tags, span_count, input_tokens, "
        + "output_tokens, total_tokens, cost_usd";
    Dataset<Row> fromJson = exportsFinished(table(jsonWarehouse, "traces")).selectExpr(columns.split(", "));
    Dataset<Row> fromOtlp = exportsFinished(table(otlpWarehouse, "traces")).selectExpr(columns.split(", "));
    assertEquals(399, fromJson.count());
    assertSameRows(fromJson, fromOtlp);
  }

  @Test
  void theOtlpFilesLoadTheSameSpansAsTheJsonExport() {
    // The root's user.id, session.id and mlflow.traceTag.* are how OTLP carries the trace's identity and tags.
    // MLflow sets mlflow.traceRequestId on every span; the bundled export has it on the root only.
    String[] columns = {"trace_id", "request_date", "span_index", "span_id", "parent_span_id", "name", "span_type",
        "status_code", "status_message", "start_time", "end_time", "duration_ms", "inputs", "outputs",
        "array_sort(map_entries(map_filter(attributes, (k, v) -> k NOT IN ('user.id', 'session.id', "
            + "'mlflow.traceRequestId') AND NOT startswith(k, 'mlflow.traceTag.')))) AS attributes",
        "event_count", "model", "provider", "input_tokens", "output_tokens", "total_tokens", "cost"};
    Dataset<Row> fromJson = exportsFinished(table(jsonWarehouse, "spans")).selectExpr(columns);
    Dataset<Row> fromOtlp = exportsFinished(table(otlpWarehouse, "spans")).selectExpr(columns);
    assertTrue(fromJson.count() > 1000);
    assertSameRows(fromJson, fromOtlp);
  }

  @Test
  void anUnreadableSpanIsQuarantinedAndTheRestOfItsTraceKept() throws IOException {
    Path dir = SharedSpark.tempDir("otlp-bad");
    Path wh = SharedSpark.tempDir("wh-otlp-bad");
    String trace = "5b8efff798038103d269b633813fc60c";
    String root = "{\"traceId\": \"" + trace + "\", \"spanId\": \"eee19b7ec3c1b174\", \"parentSpanId\": \"\", "
        + "\"name\": \"agent\", \"startTimeUnixNano\": \"1765154887847000000\", "
        + "\"endTimeUnixNano\": \"1765154889480000000\", \"status\": {\"code\": 2, \"message\": \"boom\"}, "
        + "\"attributes\": [{\"key\": \"user.id\", \"value\": {\"stringValue\": \"u-1\"}}, "
        + "{\"key\": \"gen_ai.conversation.id\", \"value\": {\"stringValue\": \"c-1\"}}]}";
    String badChild = "{\"traceId\": \"" + trace + "\", \"spanId\": \"eee19b7ec3c1b175\", "
        + "\"parentSpanId\": \"eee19b7ec3c1b174\", \"name\": \"tool\", \"startTimeUnixNano\": \"1765154887900000000\", "
        + "\"attributes\": [{\"key\": \"x\", \"value\": {\"uuidValue\": \"?\"}}]}";
    Files.writeString(dir.resolve("otel.jsonl"),
        "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [" + root + ", " + badChild + "]}]}]}\n"
            + "{\"resourceSpans\": [{\"scopeSpans\": {\"spans\": []}}]}\n");
    IngestSummary s = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(dir.toString()), wh.toString(), null));
    assertEquals(1, s.inserted());
    assertEquals(2, s.quarantined());
    Row kept = table(wh, "traces").first();
    assertEquals("tr-" + trace, kept.getAs("trace_id"));
    assertEquals("ERROR", kept.getAs("state"));
    assertEquals(1633L, kept.<Long>getAs("execution_duration_ms"));
    assertEquals("u-1", kept.getAs("user_id"));
    assertEquals("c-1", kept.getAs("session_id"));
    assertEquals(1, kept.<Integer>getAs("span_count"));
    Row notAList = table(wh, "traces_quarantine").where("position = 'line 2'").first();
    assertEquals("unknown_shape", notAList.getAs("reason"));
    assertEquals("not an OTLP TracesData object: resourceSpans[].scopeSpans is not a list",
        notAList.getAs("detail"));
    Row bad = table(wh, "traces_quarantine").where("position LIKE 'line 1%'").first();
    assertEquals("invalid_field", bad.getAs("reason"));
    assertEquals("line 1, span 1", bad.getAs("position"));
    String detail = bad.getAs("detail");
    assertTrue(detail.contains("unknown value type 'uuidValue'"), detail);
  }

  /** The rows of the export's traces but the one in progress (the samples' warehouse holds other samples too). */
  private static Dataset<Row> exportsFinished(Dataset<Row> rows) {
    Dataset<Row> ids = table(jsonWarehouse, "traces")
        .where("source_file LIKE '%/" + SAMPLE + "' AND trace_id <> '" + inProgressTrace + "'").select("trace_id");
    return rows.join(ids, "trace_id").select(rows.columns()[0], java.util.Arrays.copyOfRange(rows.columns(), 1,
        rows.columns().length));
  }

  // ------------------------------------------------------------------ the test's own MLflow → OTLP converter

  /**
   * One span of {@code Trace.to_json()} as an OTLP/JSON span, with the trace's id in {@code mlflow.traceRequestId} as
   * MLflow sets it on every span; {@code rootInfo} given for the root span.
   */
  private static ObjectNode otlpSpan(JsonNode span, JsonNode rootInfo, String traceId) {
    ObjectNode out = JSON.createObjectNode();
    out.put("traceId", hex(span.path("trace_id").asText(), 16));
    out.put("spanId", hex(span.path("span_id").asText(), 8));
    String parent = span.path("parent_span_id").asText("");
    out.put("parentSpanId", parent.isEmpty() || span.path("parent_span_id").isNull() ? "" : hex(parent, 8));
    out.put("name", span.path("name").asText());
    out.put("kind", 1);
    out.put("startTimeUnixNano", span.path("start_time_unix_nano").asText());
    out.put("endTimeUnixNano", span.path("end_time_unix_nano").asText());
    ArrayNode attributes = out.putArray("attributes");
    for (Iterator<Map.Entry<String, JsonNode>> it = span.path("attributes").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      attribute(attributes, e.getKey(), e.getValue().asText());
    }
    if (!span.path("attributes").has("mlflow.traceRequestId")) {
      attribute(attributes, "mlflow.traceRequestId", JSON.valueToTree(traceId).toString());
    }
    if (rootInfo != null) {
      JsonNode metadata = rootInfo.path("trace_metadata");
      if (metadata.has("mlflow.trace.user")) {
        attribute(attributes, "user.id", metadata.path("mlflow.trace.user").asText());
      }
      if (metadata.has("mlflow.trace.session")) {
        attribute(attributes, "session.id", metadata.path("mlflow.trace.session").asText());
      }
      rootInfo.path("tags").fields().forEachRemaining(t ->
          attribute(attributes, "mlflow.traceTag." + t.getKey(), t.getValue().asText()));
    }
    String code = span.path("status").path("code").asText();
    ObjectNode status = out.putObject("status");
    status.put("code", code.equals("STATUS_CODE_OK") ? 1 : code.equals("STATUS_CODE_ERROR") ? 2 : 0);
    status.put("message", span.path("status").path("message").asText(""));
    out.putArray("events");
    return out;
  }

  private static void attribute(ArrayNode attributes, String key, String value) {
    ObjectNode kv = attributes.addObject();
    kv.put("key", key);
    kv.putObject("value").put("stringValue", value);
  }

  /** MLflow's base64 id (or hex) as OTLP/JSON's hex. */
  private static String hex(String id, int bytes) {
    if (id.matches("[0-9a-f]{" + bytes * 2 + "}")) {
      return id;
    }
    String hex = new BigInteger(1, Base64.getDecoder().decode(id)).toString(16);
    return "0".repeat(bytes * 2 - hex.length()) + hex;
  }

  /** The spans, {@code perLine} to a {@code TracesData} line, in one resource and scope each. */
  private static List<String> tracesData(List<ObjectNode> spans, int perLine) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < spans.size(); i += perLine) {
      ObjectNode data = JSON.createObjectNode();
      ObjectNode resource = data.putArray("resourceSpans").addObject();
      attribute(resource.putObject("resource").putArray("attributes"), "service.name", "support-bot");
      ObjectNode scope = resource.putArray("scopeSpans").addObject();
      scope.putObject("scope").put("name", "mlflow.tracing");
      ArrayNode list = scope.putArray("spans");
      spans.subList(i, Math.min(spans.size(), i + perLine)).forEach(list::add);
      lines.add(JSON.writeValueAsString(data));
    }
    return lines;
  }
}
