package io.tracelake.ingest.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streaming reader on single records of every shape in docs/trace-formats.md; no Spark. */
class TraceRecordReaderTest {

  /** What the reader reported for one value. */
  static final class Collected implements TraceRecordReader.Sink {
    final List<ParsedTrace> traces = new ArrayList<>();
    final List<String[]> rejections = new ArrayList<>();

    @Override
    public void accept(ParsedTrace trace) {
      traces.add(trace);
    }

    @Override
    public void reject(QuarantineReason reason, String detail, String raw, String position) {
      rejections.add(new String[] {reason.code(), detail, raw, position});
    }

    ParsedTrace only() {
      assertEquals(List.of(), rejections.stream().map(r -> r[0] + ": " + r[1]).toList());
      assertEquals(1, traces.size());
      return traces.get(0);
    }

    String onlyReason() {
      assertEquals(0, traces.size());
      assertEquals(1, rejections.size());
      return rejections.get(0)[0];
    }
  }

  static Collected read(String json, String... rootAttributeKeys) throws IOException {
    Collected sink = new Collected();
    TraceRecordReader reader = new TraceRecordReader(List.of(rootAttributeKeys), ReadLimits.DEFAULT);
    try (JsonParser p = JsonValues.FACTORY.createParser(json)) {
      p.nextToken();
      reader.readValue(p, "line 1", () -> json, new RecordContext("test.jsonl", "jsonl"), sink);
    }
    return sink;
  }

  static String fixtureLine(String file, int line) throws IOException {
    return Files.readAllLines(io.tracelake.SharedSpark.fixture(file)).get(line - 1);
  }

  @Test
  void readsTheReferenceMlflow3Trace() throws IOException {
    ParsedTrace t = read(fixtureLine("mlflow3.jsonl", 1)).only();
    assertEquals("tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01", t.traceId);
    assertEquals("req-123", t.clientRequestId);
    assertEquals("1", t.experimentId);
    assertEquals(Instant.parse("2025-04-15T08:49:18.699Z"), t.requestTime);
    assertEquals(1532L, t.executionDurationMs);
    assertEquals("OK", t.state);
    assertEquals("chat", t.traceName);
    assertEquals("{\"messages\": [{\"role\": \"user\", \"content\": \"How do I reset my password?\"}]}", t.request);
    assertEquals("\"Go to Settings > Security and click Reset.\"", t.response);
    assertEquals("How do I reset my password?", t.requestPreview);
    assertEquals(12L, t.inputTokens);
    assertEquals(9L, t.outputTokens);
    assertEquals(21L, t.totalTokens);
    assertEquals(2, t.spanCount);
    assertEquals("user-42", t.metadata.get("mlflow.trace.user"));
    assertEquals("account", t.tags.get("query_category"));
    assertEquals("jsonl/v3", t.sourceFormat);
  }

  @Test
  void readsFeedbackAndSerializedExpectationAssessments() throws IOException {
    ParsedTrace t = read(fixtureLine("mlflow3.jsonl", 1)).only();
    assertEquals(2, t.assessments.size());
    Assessment feedback = t.assessments.get(0);
    assertEquals("user_satisfaction", feedback.name);
    assertEquals("feedback", feedback.kind);
    assertEquals("HUMAN", feedback.sourceType);
    assertEquals("user-42", feedback.sourceId);
    assertEquals("true", feedback.value);
    assertEquals("Solved my issue", feedback.rationale);
    assertEquals(Instant.parse("2025-04-15T08:50:02.120Z"), feedback.createTime);
    assertEquals(Boolean.TRUE, feedback.valid);
    Assessment expectation = t.assessments.get(1);
    assertEquals("expectation", expectation.kind);
    assertEquals("[\"Settings\", \"Security\"]", expectation.value);
    assertEquals(Boolean.TRUE, expectation.valid, "absent 'valid' means valid");
  }

  @Test
  void sumsSpanTokenUsageAndTakesTheRootSpansInputs() throws IOException {
    ParsedTrace t = read(fixtureLine("mlflow3.jsonl", 2)).only();
    assertEquals("ERROR", t.state);
    assertEquals(35L, t.inputTokens);
    assertEquals(1L, t.outputTokens);
    assertEquals(36L, t.totalTokens, "a span without total_tokens counts input + output");
    assertEquals("{\"question\": \"Why was I charged twice?\"}", t.request);
    assertNull(t.response);
    assertEquals(3, t.spanCount);
    assertEquals(Instant.parse("2025-04-15T23:59:59.999999Z"), t.requestTime);
  }

  @Test
  void inProgressTraceHasNoDurationAndNoTokens() throws IOException {
    ParsedTrace t = read(fixtureLine("mlflow3.jsonl", 3)).only();
    assertEquals("IN_PROGRESS", t.state);
    assertNull(t.executionDurationMs);
    assertNull(t.totalTokens);
    assertEquals(0, t.spanCount);
    assertEquals(Map.of(), t.tags);
  }

  @Test
  void rootSpanOfMlflow3EarlyShapeHasAnEmptyParent() throws IOException {
    String json = "{\"info\": {\"trace_id\": \"tr-1\", \"request_time\": \"2025-06-01T12:00:00Z\", \"state\": \"OK\"},"
        + " \"data\": {\"spans\": [{\"span_id\": \"c\", \"parent_span_id\": \"r\", \"trace_state\": \"\", \"name\": \"x\","
        + " \"attributes\": {\"mlflow.spanInputs\": \"1\"}}, {\"span_id\": \"r\", \"parent_span_id\": \"\","
        + " \"trace_state\": \"\", \"name\": \"root\", \"attributes\": {\"mlflow.spanInputs\": \"{\\\"q\\\": 2}\"}}]}}";
    ParsedTrace t = read(json).only();
    assertEquals("{\"q\": 2}", t.request);
    assertEquals("root", t.traceName);
  }

  @Test
  void readsMlflow2Traces() throws IOException {
    ParsedTrace t = read(fixtureLine("mlflow2.jsonl", 1)).only();
    assertEquals("tr-0000000000000000000000000000f201", t.traceId);
    assertEquals(Instant.ofEpochMilli(1744706958699L), t.requestTime);
    assertEquals(1532L, t.executionDurationMs);
    assertEquals("{\"question\": \"v2 request\"}", t.request);
    assertEquals("\"v2 response\"", t.response);
    assertEquals("jsonl/v2", t.sourceFormat);
    assertEquals("STATE_UNSPECIFIED", read(fixtureLine("mlflow2.jsonl", 2)).only().state);
  }

  @Test
  void readsProtobufJsonDurationsStringNumbersAndKeyValueMaps() throws IOException {
    ParsedTrace t = read("{\"info\": {\"trace_id\": \"tr-p\", \"request_time\": \"2025-08-01T09:30:00.250Z\","
        + " \"execution_duration\": \"32.583s\", \"state\": \"OK\"}}").only();
    assertEquals(32583L, t.executionDurationMs);
    assertEquals("jsonl/v3-proto", t.sourceFormat);
    ParsedTrace v2 = read("{\"info\": {\"request_id\": \"tr-q\", \"timestamp_ms\": \"1754040700000\","
        + " \"execution_time_ms\": \"12\", \"status\": \"ERROR\","
        + " \"request_metadata\": [{\"key\": \"mlflow.trace.user\", \"value\": \"u\"}]}}").only();
    assertEquals(Instant.ofEpochMilli(1754040700000L), v2.requestTime);
    assertEquals(12L, v2.executionDurationMs);
    assertEquals("u", v2.metadata.get("mlflow.trace.user"));
  }

  @Test
  void convertsOffsetsToUtcAndKeepsNanosecondPrecisionUpToMicros() throws IOException {
    ParsedTrace t = read("{\"info\": {\"trace_id\": \"tr-z\", \"request_time\": \"2025-04-15T01:30:00.123456789+02:00\","
        + " \"state\": \"OK\"}}").only();
    assertEquals(Instant.parse("2025-04-14T23:30:00.123456789Z"), t.requestTime);
  }

  @Test
  void searchTracesRowIsReadThroughItsTraceColumn() throws IOException {
    ParsedTrace t = read(fixtureLine("search_traces_frame.jsonl", 1)).only();
    assertEquals("tr-0000000000000000000000000000df01", t.traceId);
    assertEquals("s-df", t.metadata.get("mlflow.trace.session"), "metadata comes from the trace column");
    assertEquals("{\"q\": \"from frame\"}", t.request);
    assertEquals("jsonl/search_traces_row/v3", t.sourceFormat);
  }

  @Test
  void searchTracesRowWithoutTraceColumnUsesTheFramesColumns() throws IOException {
    ParsedTrace t = read(fixtureLine("search_traces_frame.jsonl", 2)).only();
    assertEquals(Instant.ofEpochMilli(1756684860000L), t.requestTime);
    assertEquals(1250L, t.executionDurationMs);
    assertEquals("ERROR", t.state);
    assertEquals("{\"q\":\"columns only\"}", t.request);
    assertEquals("c-2", t.clientRequestId);
  }

  @Test
  void keepsConfiguredRootSpanAttributesDecoded() throws IOException {
    ParsedTrace t = read("{\"info\": {\"trace_id\": \"tr-o\", \"request_time\": \"2025-01-01T00:00:00Z\"},"
        + " \"data\": {\"spans\": [{\"parent_span_id\": null, \"attributes\": {\"user.id\": \"\\\"otel-user\\\"\","
        + " \"other\": \"\\\"x\\\"\"}}]}}", "user.id").only();
    assertEquals(Map.of("user.id", "otel-user"), t.rootSpanAttributes);
  }

  @Test
  void readsEveryTraceOfAnArrayAndAnEnvelopeOnOneLine() throws IOException {
    String one = "{\"info\": {\"trace_id\": \"tr-a\", \"request_time\": \"2025-01-01T00:00:00Z\"}}";
    String two = "{\"info\": {\"trace_id\": \"tr-b\", \"request_time\": \"2025-01-01T00:00:00Z\"}}";
    assertEquals(2, read("[" + one + "," + two + "]").traces.size());
    Collected envelope = read("{\"traces\": [" + one + ", {\"info\": {}}, " + two + "], \"next_page_token\": \"x\"}");
    assertEquals(2, envelope.traces.size());
    assertEquals("line 1, index 1", envelope.rejections.get(0)[3]);
  }

  @Test
  void rejectsRecordWithoutTraceId() throws IOException {
    assertEquals("missing_trace_id", read("{\"info\": {\"request_time\": \"2025-01-01T00:00:00Z\"}}").onlyReason());
  }

  @Test
  void rejectsRecordWithoutRequestTime() throws IOException {
    assertEquals("missing_request_time", read("{\"info\": {\"trace_id\": \"tr-x\"}}").onlyReason());
  }

  @Test
  void rejectsUnparsableRequestTime() throws IOException {
    Collected c = read("{\"info\": {\"trace_id\": \"tr-x\", \"request_time\": \"2025-13-45\"}}");
    assertEquals("invalid_request_time", c.onlyReason());
    assertTrue(c.rejections.get(0)[1].contains("2025-13-45"), c.rejections.get(0)[1]);
  }

  @Test
  void rejectsUnknownStateAndBadDuration() throws IOException {
    assertEquals("invalid_field", read("{\"info\": {\"trace_id\": \"t\", \"request_time\": \"2025-01-01T00:00:00Z\","
        + " \"state\": \"DONE\"}}").onlyReason());
    assertEquals("invalid_field", read("{\"info\": {\"trace_id\": \"t\", \"request_time\": \"2025-01-01T00:00:00Z\","
        + " \"execution_duration_ms\": -5}}").onlyReason());
  }

  @Test
  void rejectsObjectsThatAreNotTracesAndOtlpExports() throws IOException {
    assertEquals("unknown_shape", read("{\"hello\": \"world\"}").onlyReason());
    Collected otlp = read("{\"resourceSpans\": []}");
    assertEquals("unknown_shape", otlp.onlyReason());
    assertTrue(otlp.rejections.get(0)[1].contains("OpenTelemetry"));
    assertEquals("unknown_shape", read("42").onlyReason());
  }

  @Test
  void rejectsTraceColumnThatIsNotJson() throws IOException {
    assertEquals("malformed_json", read("{\"trace_id\": \"t\", \"trace\": \"{not json\"}").onlyReason());
  }
}
