package io.tracelake.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import io.tracelake.schema.TraceSchemas;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Rows of the {@code traces} table as MLflow {@code Trace.to_json()} documents, which {@code Trace.from_json} loads
 * and ingest reads back into the same rows.
 *
 * <p>{@code info} carries only the fields MLflow's {@code TraceInfo.from_dict} accepts, with MLflow's names; the
 * canonical user and session are also written as {@code mlflow.trace.user} / {@code mlflow.trace.session} metadata
 * (MLflow's multi-turn evaluation groups traces by the latter) and the token counts as
 * {@code mlflow.trace.tokenUsage} when the trace's metadata lacks them. {@code data.spans} holds the trace's spans from
 * the {@code spans} table when the row carries them ({@link #withSpans}), in MLflow 3.5.1+'s span shape (base64 ids,
 * {@code STATUS_CODE_*}, JSON-encoded attributes; span events are not kept, only counted); otherwise one root span
 * carrying the request and response as {@code mlflow.spanInputs} / {@code mlflow.spanOutputs}.
 */
public final class TraceDocuments {

  private TraceDocuments() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX_TRACE_ID = Pattern.compile("(?:^tr-|/)([0-9a-f]{32})$");

  /** The column {@link #withSpans} adds: the trace's spans in order. */
  public static final String SPANS = "spans";

  /**
   * Input: rows with the {@code traces} columns, and the {@code spans} table. Grain: unchanged. Output: the rows with
   * {@link #SPANS}, the trace's spans ordered by {@code span_index} (null for a trace without spans). Row order is not
   * kept: order after this.
   */
  public static Dataset<Row> withSpans(Dataset<Row> traces, Dataset<Row> spans) {
    Column[] fields = java.util.Arrays.stream(TraceSchemas.SPAN.fieldNames()).map(functions::col)
        .toArray(Column[]::new);
    Dataset<Row> perTrace = spans.groupBy(functions.col(TraceColumns.TRACE_ID).as("_spans_trace_id"))
        .agg(functions.array_sort(functions.collect_list(functions.struct(fields)), (l, r) -> {
          // Spans hold a map, which Spark cannot order: compare by index only.
          Column left = l.getField(SpanColumns.SPAN_INDEX);
          Column right = r.getField(SpanColumns.SPAN_INDEX);
          return functions.when(left.lt(right), -1).when(left.gt(right), 1).otherwise(0);
        }).as(SPANS));
    return traces.join(perTrace, functions.col(TraceColumns.TRACE_ID).equalTo(functions.col("_spans_trace_id")),
        "left").drop("_spans_trace_id");
  }

  /**
   * One trace as one line of compact JSON (no line break). Input: a row with the {@code traces} columns, and
   * optionally {@link #SPANS}.
   */
  public static String toJson(Row trace) {
    ObjectNode doc = JSON.createObjectNode();
    doc.set("info", info(trace));
    ArrayNode spanList = doc.putObject("data").putArray("spans");
    List<Row> spans = List.of(trace.schema().fieldNames()).contains(SPANS) && !trace.isNullAt(trace.fieldIndex(SPANS))
        ? trace.getList(trace.fieldIndex(SPANS)) : List.of();
    if (spans.isEmpty()) {
      spanList.add(rootSpan(trace));
    }
    for (Row span : spans) {
      spanList.add(span(trace, span));
    }
    try {
      return JSON.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write trace " + trace.getAs(TraceColumns.TRACE_ID), e);
    }
  }

  private static ObjectNode info(Row r) {
    String traceId = r.getAs(TraceColumns.TRACE_ID);
    ObjectNode info = JSON.createObjectNode();
    info.put("trace_id", traceId);
    putIfSet(info, "client_request_id", r.getAs(TraceColumns.CLIENT_REQUEST_ID));
    ObjectNode location = info.putObject("trace_location");
    location.put("type", "MLFLOW_EXPERIMENT");
    ObjectNode experiment = location.putObject("mlflow_experiment");
    putIfSet(experiment, "experiment_id", r.getAs(TraceColumns.EXPERIMENT_ID));
    info.put("request_time", r.<Instant>getAs(TraceColumns.REQUEST_TIME).toString());
    info.put("state", r.<String>getAs(TraceColumns.STATE));
    info.set("trace_metadata", JSON.valueToTree(metadata(r)));
    info.set("tags", JSON.valueToTree(new TreeMap<>(r.<String, String>getJavaMap(r.fieldIndex(TraceColumns.TAGS)))));
    putIfSet(info, "request_preview", r.getAs(TraceColumns.REQUEST_PREVIEW));
    putIfSet(info, "response_preview", r.getAs(TraceColumns.RESPONSE_PREVIEW));
    if (r.getAs(TraceColumns.EXECUTION_DURATION_MS) != null) {
      info.put("execution_duration_ms", r.<Long>getAs(TraceColumns.EXECUTION_DURATION_MS));
    }
    ArrayNode assessments = info.putArray("assessments");
    for (Row a : r.<Row>getList(r.fieldIndex(TraceColumns.ASSESSMENTS))) {
      assessments.add(assessment(a, traceId));
    }
    return info;
  }

  private static Map<String, String> metadata(Row r) {
    Map<String, String> metadata = new TreeMap<>(r.<String, String>getJavaMap(r.fieldIndex(TraceColumns.TRACE_METADATA)));
    putIfAbsent(metadata, "mlflow.trace.user", r.getAs(TraceColumns.USER_ID));
    putIfAbsent(metadata, "mlflow.trace.session", r.getAs(TraceColumns.SESSION_ID));
    Long input = r.getAs(TraceColumns.INPUT_TOKENS);
    Long output = r.getAs(TraceColumns.OUTPUT_TOKENS);
    Long total = r.getAs(TraceColumns.TOTAL_TOKENS);
    if (!metadata.containsKey("mlflow.trace.tokenUsage") && (input != null || output != null || total != null)) {
      ObjectNode usage = JSON.createObjectNode();
      putIfSet(usage, "input_tokens", input);
      putIfSet(usage, "output_tokens", output);
      putIfSet(usage, "total_tokens", total);
      metadata.put("mlflow.trace.tokenUsage", usage.toString());
    }
    return metadata;
  }

  /** An assessment as MLflow's protobuf JSON: lists and objects as {@code serialized_value}, as MLflow writes them. */
  private static ObjectNode assessment(Row a, String traceId) {
    ObjectNode node = JSON.createObjectNode();
    putIfSet(node, "assessment_id", a.getAs("assessment_id"));
    node.put("assessment_name", a.<String>getAs("name"));
    node.put("trace_id", traceId);
    ObjectNode source = node.putObject("source");
    source.put("source_type", a.getAs("source_type") == null ? "SOURCE_TYPE_UNSPECIFIED" : a.getAs("source_type"));
    putIfSet(source, "source_id", a.getAs("source_id"));
    putIfSet(node, "create_time", a.getAs("create_time"));
    putIfSet(node, "last_update_time", a.getAs("last_update_time"));
    String kind = "expectation".equals(a.getAs("kind")) ? "expectation" : "feedback";
    ObjectNode value = node.putObject(kind);
    String valueText = a.getAs("value");
    if (valueText != null) {
      JsonNode parsed = JsonText.parse(valueText);
      if (kind.equals("expectation") && parsed.isContainerNode()) {
        value.putObject("serialized_value").put("serialization_format", "JSON_FORMAT").put("value", valueText);
      } else {
        value.set("value", parsed);
      }
    }
    if (kind.equals("feedback") && a.getAs("error") != null) {
      value.set("error", JsonText.parse(a.getAs("error")));
    }
    putIfSet(node, "rationale", a.getAs("rationale"));
    if (Boolean.FALSE.equals(a.getAs("valid"))) {
      node.put("valid", false);
    }
    putIfSet(node, "overrides", a.getAs("overrides"));
    return node;
  }

  private static ObjectNode rootSpan(Row r) {
    String traceId = r.getAs(TraceColumns.TRACE_ID);
    Instant start = r.getAs(TraceColumns.REQUEST_TIME);
    Long durationMs = r.getAs(TraceColumns.EXECUTION_DURATION_MS);
    long startNs = start.getEpochSecond() * 1_000_000_000L + start.getNano();
    ObjectNode span = JSON.createObjectNode();
    Base64.Encoder b64 = Base64.getEncoder();
    span.put("trace_id", b64.encodeToString(otelTraceId(traceId)));
    span.put("span_id", b64.encodeToString(Arrays.copyOf(sha256("root-span:" + traceId), 8)));
    span.putNull("parent_span_id");
    String name = r.getAs(TraceColumns.TRACE_NAME);
    span.put("name", name == null ? "root" : name);
    span.put("start_time_unix_nano", startNs);
    if (durationMs != null) {
      span.put("end_time_unix_nano", startNs + durationMs * 1_000_000L);
    } else {
      span.putNull("end_time_unix_nano");
    }
    span.putArray("events");
    String state = r.getAs(TraceColumns.STATE);
    span.putObject("status").put("code", switch (state) {
      case TraceColumns.STATE_OK -> "STATUS_CODE_OK";
      case TraceColumns.STATE_ERROR -> "STATUS_CODE_ERROR";
      default -> "STATUS_CODE_UNSET";
    }).put("message", "");
    ObjectNode attributes = span.putObject("attributes");
    // Every span attribute value is itself JSON text; inputs and outputs already are.
    attributes.put("mlflow.traceRequestId", JSON.getNodeFactory().textNode(traceId).toString());
    attributes.put("mlflow.spanType", "\"UNKNOWN\"");
    putIfSet(attributes, "mlflow.spanInputs", r.getAs(TraceColumns.REQUEST));
    putIfSet(attributes, "mlflow.spanOutputs", r.getAs(TraceColumns.RESPONSE));
    return span;
  }

  /** One span of the spans table in MLflow 3.5.1+'s shape, which ingest reads back into the same row. */
  private static ObjectNode span(Row trace, Row s) {
    String traceId = trace.getAs(TraceColumns.TRACE_ID);
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode span = JSON.createObjectNode();
    span.put("trace_id", b64.encodeToString(otelTraceId(traceId)));
    span.put("span_id", spanId(s.getAs(SpanColumns.SPAN_ID)));
    String parent = s.getAs(SpanColumns.PARENT_SPAN_ID);
    if (parent == null) {
      span.putNull("parent_span_id");
    } else {
      span.put("parent_span_id", spanId(parent));
    }
    span.put("name", s.<String>getAs(SpanColumns.NAME));
    putNanos(span, "start_time_unix_nano", s.getAs(SpanColumns.START_TIME));
    putNanos(span, "end_time_unix_nano", s.getAs(SpanColumns.END_TIME));
    span.putArray("events");
    String message = s.getAs(SpanColumns.STATUS_MESSAGE);
    span.putObject("status").put("code", "STATUS_CODE_" + s.<String>getAs(SpanColumns.STATUS_CODE))
        .put("message", message == null ? "" : message);
    ObjectNode attributes = span.putObject("attributes");
    String type = s.getAs(SpanColumns.SPAN_TYPE);
    if (type != null) {
      attributes.put("mlflow.spanType", JSON.getNodeFactory().textNode(type).toString());
    }
    putIfSet(attributes, "mlflow.spanInputs", s.getAs(SpanColumns.INPUTS));
    putIfSet(attributes, "mlflow.spanOutputs", s.getAs(SpanColumns.OUTPUTS));
    Map<String, String> rest = s.getJavaMap(s.fieldIndex(SpanColumns.ATTRIBUTES));
    if (rest != null) {
      new TreeMap<>(rest).forEach(attributes::put);
    }
    return span;
  }

  /** A span id of the spans table (16 hex digits) as MLflow 3.5.1+ writes it, base64; any other id as it is. */
  private static String spanId(String hex) {
    if (hex != null && hex.matches("[0-9a-f]{16}")) {
      return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
    return hex;
  }

  private static void putNanos(ObjectNode node, String field, Instant t) {
    if (t == null) {
      node.putNull(field);
    } else {
      node.put(field, t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }
  }

  /** The 16-byte OpenTelemetry trace id: the hex of {@code tr-<hex>} or {@code trace:/loc/<hex>}, else a hash. */
  private static byte[] otelTraceId(String traceId) {
    Matcher m = HEX_TRACE_ID.matcher(traceId);
    return m.find() ? HexFormat.of().parseHex(m.group(1)) : Arrays.copyOf(sha256("trace:" + traceId), 16);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putIfSet(ObjectNode node, String field, Object value) {
    if (value instanceof String s) {
      node.put(field, s);
    } else if (value instanceof Long l) {
      node.put(field, l);
    } else if (value instanceof Instant t) {
      node.put(field, t.toString());
    }
  }

  private static void putIfAbsent(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.putIfAbsent(key, value);
    }
  }

  /** The rows' documents, one per line, for a file that ingest and {@code Trace.from_json} read. */
  public static String toJsonLines(List<Row> traces) {
    StringBuilder out = new StringBuilder();
    traces.forEach(t -> out.append(toJson(t)).append('\n'));
    return out.toString();
  }
}
