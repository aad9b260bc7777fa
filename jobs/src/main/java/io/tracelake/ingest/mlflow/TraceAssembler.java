package io.tracelake.ingest.mlflow;

import io.tracelake.ingest.mlflow.TraceRecordReader.RecordFields;
import io.tracelake.ingest.mlflow.TraceRecordReader.SpanFields;
import io.tracelake.ingest.mlflow.TraceRecordReader.TimeToken;
import io.tracelake.schema.TraceColumns;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the fields read from one record and turns them into a {@link ParsedTrace}, or says why it cannot.
 *
 * <p>Rules (see README, "Canonical traces"): the trace id is {@code trace_id} (MLflow 3) or {@code request_id}
 * (MLflow 2); the request time is {@code request_time} (RFC 3339 or epoch ms) or {@code timestamp_ms}; the duration
 * is {@code execution_duration_ms}/{@code execution_time_ms} (ms) or protobuf {@code execution_duration} ("1.5s");
 * request and response are the root span's inputs and outputs, else metadata {@code mlflow.traceInputs/Outputs}, else
 * MLflow 2's {@code data.request/response}, else a saved frame's {@code request/response} columns; tokens come from
 * metadata {@code mlflow.trace.tokenUsage}, else the sum over spans of {@code mlflow.chat.tokenUsage} (or the
 * OpenTelemetry {@code gen_ai.usage.*} attributes); the recorded cost is metadata {@code mlflow.trace.cost} (source
 * {@code trace}), else the sum of the spans' {@code mlflow.llm.cost} (source {@code spans}), both JSON
 * {@code {input_cost, output_cost, total_cost}} in USD.
 */
final class TraceAssembler {

  /** How long a preview derived from the request or response is (MLflow's own preview length). */
  static final int PREVIEW_CHARS = 1000;

  private static final Set<String> STATES = Set.of(TraceColumns.STATE_OK, TraceColumns.STATE_ERROR,
      TraceColumns.STATE_IN_PROGRESS, TraceColumns.STATE_UNSPECIFIED);

  /** Where MLflow 3.10+ records a trace's cost (JSON, USD). */
  static final String TRACE_COST_KEY = "mlflow.trace.cost";

  private TraceAssembler() {}

  static ParsedTrace assemble(RecordFields f, RecordContext context, TraceCost.Prices prices)
      throws RecordRejectedException {
    if (!looksLikeTrace(f)) {
      throw new RecordRejectedException(QuarantineReason.UNKNOWN_SHAPE, f.otlp
          ? "an OpenTelemetry (OTLP) TracesData object among MLflow traces; OTLP is read from files of its own "
              + "(one TracesData per line, as the Collector's file exporter writes them)"
          : "the object has none of the keys of an MLflow trace (info, trace_id, request_id, request_time)");
    }
    ParsedTrace t = new ParsedTrace();
    t.traceId = firstNonBlank(f.traceId, f.requestId);
    if (t.traceId != null && f.ucSchema != null && !t.traceId.startsWith("trace:/")) {
      // As MLflow's TraceInfo.from_proto: a trace in a Unity Catalog schema is trace:/<catalog>.<schema>/<id>.
      t.traceId = "trace:/" + f.ucSchema + "/" + t.traceId;
    }
    if (t.traceId == null && f.invalidField != null) {  // e.g. a trace_id that is a number, not a string
      throw new RecordRejectedException(QuarantineReason.INVALID_FIELD, "invalid field: " + f.invalidField);
    }
    if (t.traceId == null) {
      throw new RecordRejectedException(QuarantineReason.MISSING_TRACE_ID,
          "no trace_id (MLflow 3) or request_id (MLflow 2) in the record");
    }
    t.requestTime = requestTime(f);
    if (f.invalidField != null) {
      throw new RecordRejectedException(QuarantineReason.INVALID_FIELD, "invalid field: " + f.invalidField);
    }
    t.executionDurationMs = durationMs(f);
    t.state = state(f.state);
    t.clientRequestId = blankToNull(f.clientRequestId);
    t.experimentId = blankToNull(f.experimentId);
    t.metadata = f.metadata == null ? Map.of() : f.metadata;
    t.tags = f.tags == null ? Map.of() : f.tags;
    t.assessments = f.assessments == null ? List.of() : f.assessments;

    SpanFields root = f.rootSpan();
    t.request = firstNonNull(root == null ? null : root.inputs, t.metadata.get("mlflow.traceInputs"),
        f.dataRequest, f.frameRequest);
    t.response = firstNonNull(root == null ? null : root.outputs, t.metadata.get("mlflow.traceOutputs"),
        f.dataResponse, f.frameResponse);
    t.requestPreview = f.requestPreview != null ? f.requestPreview : JsonValues.truncate(t.request, PREVIEW_CHARS);
    t.responsePreview =
        f.responsePreview != null ? f.responsePreview : JsonValues.truncate(t.response, PREVIEW_CHARS);
    t.traceName = firstNonBlank(t.tags.get("mlflow.traceName"), root == null ? null : root.name);
    t.rootSpanAttributes = root == null ? Map.of() : root.attributes;

    TokenUsage usage = TokenUsage.parse(t.metadata.get("mlflow.trace.tokenUsage"));
    if (usage == null && f.spanUsageSeen) {
      usage = new TokenUsage(f.spanInputTokens, f.spanOutputTokens, f.spanTotalTokens);
    }
    if (usage != null) {
      t.inputTokens = usage.input();
      t.outputTokens = usage.output();
      t.totalTokens = usage.total();
    }
    Double traceCost = SpanCost.total(t.metadata.get(TRACE_COST_KEY));
    if (traceCost != null) {
      t.recordedCostUsd = traceCost;
      t.recordedCostSource = TraceColumns.COST_FROM_TRACE;
    } else if (f.spanCostSeen) {
      t.recordedCostUsd = f.spanCost;
      t.recordedCostSource = TraceColumns.COST_FROM_SPANS;
    }
    t.llmUsage = f.llmUsage;
    TraceCost.apply(t, LocalDate.ofInstant(t.requestTime, ZoneOffset.UTC), prices);
    t.spanCount = f.spanCount != null ? f.spanCount : spansFromSizeStats(t.metadata.get("mlflow.trace.sizeStats"));
    t.sourceFormat = context.shapeLabel() + "/" + recordFormat(f);
    t.sourceFile = context.sourceFile();
    t.contentHash = ContentHash.of(t);
    return t;
  }

  private static boolean looksLikeTrace(RecordFields f) {
    return f.sawTraceKey || f.traceId != null || f.requestId != null || f.requestTime != null
        || f.timestampMs != null;
  }

  private static java.time.Instant requestTime(RecordFields f) throws RecordRejectedException {
    TimeToken token = f.requestTime != null ? f.requestTime : f.timestampMs;
    if (token == null || token.text().isBlank()) {
      throw new RecordRejectedException(QuarantineReason.MISSING_REQUEST_TIME,
          "no request_time (MLflow 3) or timestamp_ms (MLflow 2) in the record");
    }
    try {
      return JsonValues.parseInstant(token.text(), token.numeric());
    } catch (IllegalArgumentException e) {
      throw new RecordRejectedException(QuarantineReason.INVALID_REQUEST_TIME,
          token.field() + " '" + JsonValues.truncate(token.text(), 100) + "' is " + e.getMessage());
    }
  }

  private static Long durationMs(RecordFields f) throws RecordRejectedException {
    TimeToken token = f.durationMs != null ? f.durationMs : f.duration;
    if (token == null || token.text().isBlank()) {
      return null;
    }
    try {
      return JsonValues.parseDurationMs(token.text(), token.numeric());
    } catch (IllegalArgumentException e) {
      throw new RecordRejectedException(QuarantineReason.INVALID_FIELD,
          "invalid field: " + token.field() + " '" + JsonValues.truncate(token.text(), 100) + "' is "
              + e.getMessage());
    }
  }

  /** MLflow 3 {@code state}, or MLflow 2 {@code status} mapped onto it. Absent means STATE_UNSPECIFIED. */
  private static String state(String raw) throws RecordRejectedException {
    if (raw == null || raw.isBlank() || raw.equals("TRACE_STATUS_UNSPECIFIED")) {
      return TraceColumns.STATE_UNSPECIFIED;
    }
    if (STATES.contains(raw)) {
      return raw;
    }
    throw new RecordRejectedException(QuarantineReason.INVALID_FIELD, "invalid field: state '"
        + JsonValues.truncate(raw, 100) + "' is not one of OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED");
  }

  private static Integer spansFromSizeStats(String sizeStats) {
    if (sizeStats == null) {
      return null;
    }
    try {
      var node = JsonValues.MAPPER.readTree(sizeStats).get("num_spans");
      return node != null && node.canConvertToInt() ? node.intValue() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String recordFormat(RecordFields f) {
    if (f.traceId == null && f.requestId != null || f.timestampMs != null) {
      return "v2";
    }
    return f.duration != null ? "v3-proto" : "v3";
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
