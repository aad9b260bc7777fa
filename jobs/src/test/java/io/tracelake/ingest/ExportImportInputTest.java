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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * mlflow-export-import's trace folders ({@code mlflow_export_import/trace/export_trace.py}): one folder per trace
 * under {@code <experiment>/traces/}, with {@code trace.json} — {@code {"system": {...}, "mlflow": {"info":
 * <TraceInfo.__dict__ dumped by trace_utils._trace_to_json>, "data": <span stubs: name, trace_id, span_id,
 * parent_id>}}} (the wrapper of {@code common/io_utils.write_export_file}) — and the trace's artifacts downloaded
 * beside it, {@code artifacts/traces.json} holding {@code {"spans": [...]}}. MLflow 3's {@code TraceInfo} fields:
 * {@code request_time} and {@code execution_duration} in milliseconds, {@code state} by name; its assessments'
 * {@code create_time_ms} / {@code last_update_time_ms}, with {@code expectation} dumped as its value and the other
 * kind's slot null.
 *
 * <p>The folders are written here from the bundled MLflow 3 export, so the loaded tables can be compared with the ones
 * the export itself loads (in the samples' warehouse the suite builds once): every column but where a trace came
 * from.
 */
class ExportImportInputTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAMPLE = "mlflow3/traces-00000.jsonl";
  private static final Path EXPORT = SamplesWarehouse.samples().resolve(SAMPLE);
  private static final int TRACES = 60;

  private static Path jsonWarehouse;
  private static Path folderWarehouse;
  private static IngestSummary folderRun;

  @BeforeAll
  static void ingestBothForms() throws IOException {
    List<String> lines = Files.readAllLines(EXPORT).subList(0, TRACES);
    Path experiment = SharedSpark.tempDir("ei-folders").resolve("1");
    for (String line : lines) {
      writeTraceFolder(experiment.resolve("traces"), JSON.readTree(line));
    }
    jsonWarehouse = SamplesWarehouse.path();
    folderWarehouse = SharedSpark.tempDir("wh-ei");
    folderRun = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(experiment.toString()), folderWarehouse.toString(), null));
  }

  @Test
  void eachFolderIsOneTraceWithItsSpansAndNothingIsQuarantined() {
    assertEquals(TRACES, folderRun.filesRead(), "the spans files are read with their trace.json, not on their own");
    assertEquals(TRACES, folderRun.inserted());
    assertEquals(0, folderRun.quarantined());
    assertEquals(TRACES, table(folderWarehouse, "traces").where("source_format LIKE 'export-import/%'").count());
  }

  @Test
  void theFoldersLoadTheSameTracesAndSpansAsTheJsonExport() {
    String[] traceColumns = {"trace_id", "client_request_id", "experiment_id", "request_time", "request_date",
        "execution_duration_ms", "state", "user_id", "session_id", "environment", "app_version", "deployment_id",
        "trace_name", "request", "response", "request_preview", "response_preview",
        "array_sort(map_entries(trace_metadata)) AS trace_metadata", "array_sort(map_entries(tags)) AS tags",
        "input_tokens", "output_tokens", "total_tokens", "span_count", "cost_usd", "cost_source",
        // export-import dumps an expectation's parsed value, whose JSON text then differs in white space only (and
        // so does the record hash, which is not compared)
        "transform(assessments, a -> struct(a.assessment_id, a.name, a.kind, a.source_type, a.source_id, "
            + "regexp_replace(a.value, ' ', '') AS value, a.error, a.rationale, a.create_time, a.last_update_time, "
            + "a.valid, a.overrides)) AS assessments"};
    assertSameRows(ofTheFolders(table(jsonWarehouse, "traces")).selectExpr(traceColumns),
        table(folderWarehouse, "traces").selectExpr(traceColumns));
    Dataset<Row> spans = ofTheFolders(table(jsonWarehouse, "spans"));
    String[] spanColumns = java.util.Arrays.stream(spans.columns()).filter(c -> !c.equals("record_hash"))
        .map(c -> c.equals("attributes") ? "array_sort(map_entries(attributes)) AS attributes" : c)
        .toArray(String[]::new);
    assertTrue(spans.count() > TRACES);
    assertSameRows(spans.selectExpr(spanColumns), table(folderWarehouse, "spans").selectExpr(spanColumns));
  }

  /** The rows of the traces written as folders, from the samples' warehouse (which holds the other samples too). */
  private static Dataset<Row> ofTheFolders(Dataset<Row> rows) {
    Dataset<Row> ids = table(folderWarehouse, "traces").select("trace_id");
    return rows.join(ids, "trace_id").select(rows.columns()[0], java.util.Arrays.copyOfRange(rows.columns(), 1,
        rows.columns().length));
  }

  // ------------------------------------------------ the test's own Trace.to_json() → export-import folder writer

  private static void writeTraceFolder(Path traces, JsonNode trace) throws IOException {
    JsonNode info = trace.path("info");
    Path folder = traces.resolve(info.path("trace_id").asText());
    Files.createDirectories(folder.resolve("artifacts"));
    ObjectNode dumped = JSON.createObjectNode();
    dumped.put("trace_id", info.path("trace_id").asText());
    ObjectNode location = dumped.putObject("trace_location");
    location.put("type", "MLFLOW_EXPERIMENT");
    location.putObject("mlflow_experiment").put("experiment_id",
        info.path("trace_location").path("mlflow_experiment").path("experiment_id").asText());
    location.putNull("inference_table");
    dumped.put("request_time", Instant.parse(info.path("request_time").asText()).toEpochMilli());
    dumped.put("state", info.path("state").asText());
    dumped.set("request_preview", info.get("request_preview"));
    dumped.set("response_preview", info.get("response_preview"));
    dumped.set("client_request_id", info.has("client_request_id") ? info.get("client_request_id") : null);
    dumped.set("execution_duration", info.get("execution_duration_ms"));
    dumped.set("trace_metadata", info.get("trace_metadata"));
    dumped.set("tags", info.get("tags"));
    ArrayNode assessments = dumped.putArray("assessments");
    for (JsonNode a : info.path("assessments")) {
      ObjectNode out = assessments.addObject();
      boolean feedback = a.has("feedback");
      out.put("assessment_type", feedback ? "feedback" : "expectation");
      out.set("name", a.get("assessment_name"));
      out.set("source", a.get("source"));
      out.set("trace_id", a.get("trace_id"));
      out.putNull("run_id");
      out.set("rationale", a.get("rationale"));
      out.putNull("metadata");
      out.putNull("span_id");
      out.put("create_time_ms", Instant.parse(a.path("create_time").asText()).toEpochMilli());
      out.put("last_update_time_ms", Instant.parse(a.path("last_update_time").asText()).toEpochMilli());
      out.set("assessment_id", a.get("assessment_id"));
      out.putNull("error");
      if (feedback) {
        out.putNull("expectation");
        out.set("feedback", a.get("feedback"));
      } else {
        JsonNode expectation = a.path("expectation");
        out.set("expectation", expectation.has("value") ? expectation.get("value")
            : JSON.readTree(expectation.path("serialized_value").path("value").asText()));
        out.putNull("feedback");
      }
      out.putNull("overrides");
      out.put("valid", !a.has("valid") || a.path("valid").asBoolean());
    }
    ArrayNode stubs = JSON.createArrayNode();
    for (JsonNode span : trace.path("data").path("spans")) {
      ObjectNode stub = stubs.addObject();
      stub.set("name", span.get("name"));
      stub.put("trace_id", info.path("trace_id").asText());
      stub.set("span_id", span.get("span_id"));
      stub.set("parent_id", span.get("parent_span_id"));
    }
    ObjectNode file = JSON.createObjectNode();
    file.putObject("system").put("mlflow_version", "3.5.1");
    ObjectNode mlflow = file.putObject("mlflow");
    mlflow.set("info", dumped);
    mlflow.set("data", stubs);
    Files.writeString(folder.resolve("trace.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(file));
    Files.writeString(folder.resolve("artifacts").resolve("traces.json"),
        JSON.writeValueAsString(trace.path("data")));
  }
}
