package io.tracelake.ingest.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MLflow's own trace documents (resources {@code mlflow-cases/traces/}, each named in its {@code SOURCES.md}) as
 * ingest input: every whole trace loads with all its spans, in every era's span shape; the Unity Catalog envelopes load
 * instead of being quarantined; the fragments that are not whole traces are quarantined with their reason.
 */
class MlflowTraceDocumentsTest {

  private static Path folder;
  private static Dataset<Row> traces;
  private static Dataset<Row> spans;
  private static Dataset<Row> quarantine;

  @BeforeAll
  static void ingest() throws URISyntaxException {
    folder = Path.of(MlflowTraceDocumentsTest.class.getResource("/mlflow-cases/traces").toURI());
    Path wh = SharedSpark.tempDir("wh-mlflow-docs");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(folder.toString()), wh.toString(), null));
    traces = SharedSpark.session().read().format("delta").load(wh.resolve("traces").toString());
    spans = SharedSpark.session().read().format("delta").load(wh.resolve("spans").toString());
    quarantine = SharedSpark.session().read().format("delta").load(wh.resolve("traces_quarantine").toString());
  }

  @Test
  void everyWholeTraceLoadsWithAllItsSpans() throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Integer> expectedSpans = new TreeMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        JsonNode doc = json.readTree(f.toFile());
        JsonNode info = doc.path("info");
        JsonNode spanList = doc.path("data").path("spans");
        boolean whole = info.has("request_time") || info.has("timestamp_ms");
        if (whole) {
          String id = info.has("trace_id") ? info.get("trace_id").asText() : info.get("request_id").asText();
          expectedSpans.merge(id, spanList.size(), Math::max);
        }
      }
    }
    Map<String, Integer> loaded = new TreeMap<>();
    for (Row r : traces.select("trace_id").collectAsList()) {
      loaded.put(r.getString(0), 0);
    }
    for (Row r : spans.groupBy("trace_id").count().collectAsList()) {
      loaded.put(r.getString(0), (int) r.getLong(1));
    }
    for (Map.Entry<String, Integer> e : expectedSpans.entrySet()) {
      assertEquals(e.getValue(), loaded.get(e.getKey()), "spans of " + e.getKey());
    }
    assertTrue(expectedSpans.size() >= 10, "whole traces among the documents: " + expectedSpans);
    // Every span id came out as 16 hex digits, whatever the era wrote (base64, 0x…, hex), but the UI fixture's, whose
    // ids are span names (kept as they are); one root per trace.
    assertEquals(List.of("_generate_response", "document-qa-chain", "rephrase_chat_to_queue"),
        spans.where("span_id IS NULL OR NOT span_id RLIKE '^[0-9a-f]{16}$'").select("span_id").orderBy("span_id")
            .collectAsList().stream().map(r -> r.getString(0)).toList());
    assertEquals(List.of("0000000000000123", "0000000031323334", "0000003132333435"),
        spans.where("span_id LIKE '000000%'").select("span_id").distinct().orderBy("span_id").collectAsList()
            .stream().map(r -> r.getString(0)).toList());
    assertEquals(spans.select("trace_id").distinct().count(), spans.where("parent_span_id IS NULL").count());
    assertEquals(0, spans.where("status_code NOT IN ('OK', 'ERROR', 'UNSET')").count());
  }

  @Test
  void unityCatalogTraceInfosLoadUnderTheirV4Ids() {
    List<String> ids = traces.where("trace_id LIKE 'trace:/%' OR trace_id = '1234'").select("trace_id")
        .orderBy("trace_id").collectAsList().stream().map(r -> r.getString(0)).toList();
    // UC_SCHEMA: trace:/<catalog>.<schema>/<id>, as MLflow's TraceInfo.from_proto names it; UC_TABLE_PREFIX keeps
    // its id (from_proto builds V4 ids only for a schema location).
    assertEquals(List.of("1234", "trace:/catalog.schema/1234"), ids);
    assertEquals(0, quarantine.where("source_file LIKE '%uc_schema%' OR source_file LIKE '%uc_table_prefix%'")
        .count());
  }

  @Test
  void fragmentsThatAreNotWholeTracesAreQuarantinedWithTheirReason() {
    Map<String, String> reasons = new TreeMap<>();
    for (Row r : quarantine.select("source_file", "reason").collectAsList()) {
      reasons.put(Path.of(r.getString(0).replace("file:", "")).getFileName().toString(), r.getString(1));
    }
    assertEquals(Map.of(
        "SOURCES.md", "not_an_export",
        "mlflow_server_js_src_shared_web-shared_model-trace-explorer_ModelTraceExplorer.test-utils__"
            + "assessments_and_infos.json", "unknown_shape",
        "tests_tracing_utils_test_copy__test_copy_trace_empty_metadata_dict.json", "missing_request_time",
        "tests_tracing_utils_test_copy__test_copy_trace_missing_metadata.json", "missing_request_time",
        "tests_utils_test_jsonpath_utils__test_complex_trace_structure.json", "missing_request_time"), reasons);
  }
}
