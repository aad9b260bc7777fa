package io.tracelake.ingest.otlp;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.tracelake.ingest.files.RowQueue;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import scala.Tuple2;

/**
 * Builds one trace from every span received for its OpenTelemetry trace id, as an MLflow {@code Trace.to_json()}
 * document, and reads that with the same record reader as every export, so identity, request, response, tokens and
 * cost follow the same rules.
 *
 * <p>The trace's info, as MLflow derives it from the spans (MLflow {@code mlflow/entities/span.py},
 * {@code Span.from_otel_proto}; {@code mlflow/entities/trace_state.py}):
 * <ul>
 *   <li>{@code trace_id}: the spans' {@code mlflow.traceRequestId} attribute, else {@code tr-} and the hex trace id;
 *   <li>{@code request_time} and {@code execution_duration_ms}: the root span's start, and its end minus its start,
 *       in whole milliseconds;
 *   <li>{@code state}: the root's status (OK → {@code OK}, ERROR → {@code ERROR}, UNSET →
 *       {@code STATE_UNSPECIFIED}); without a root span yet, {@code IN_PROGRESS}, with the earliest span's start as
 *       its request time and no duration — a later run that receives the root completes it;
 *   <li>metadata {@code mlflow.trace.user} and {@code mlflow.trace.session} from the root's {@code user.id} and
 *       {@code session.id} (else {@code gen_ai.conversation.id}), which MLflow copies there for OTLP export; tags
 *       from the root's {@code mlflow.traceTag.<key>} attributes (MLflow {@code SpanAttributeKey.TRACE_TAG_PREFIX}).
 * </ul>
 * Spans are ordered by start time, then span id, so the same spans always make the same trace.
 */
final class OtlpTraceBuilder
    implements FlatMapFunction<Tuple2<String, Tuple2<Iterable<Row>, Optional<String>>>, InternalRow> {

  static final String SHAPE_LABEL = "otlp-json";
  private static final String TAG_PREFIX = "mlflow.traceTag.";
  private static final String REQUEST_ID = "mlflow.traceRequestId";

  private final List<String> rootAttributeKeys;
  private final ReadLimits limits;
  private final boolean captureSpans;
  private final TraceCost.Prices prices;

  OtlpTraceBuilder(List<String> rootAttributeKeys, ReadLimits limits, boolean captureSpans, TraceCost.Prices prices) {
    this.rootAttributeKeys = List.copyOf(rootAttributeKeys);
    this.limits = limits;
    this.captureSpans = captureSpans;
    this.prices = prices;
  }

  @Override
  public Iterator<InternalRow> call(Tuple2<String, Tuple2<Iterable<Row>, Optional<String>>> group)
      throws IOException {
    List<Row> spans = new ArrayList<>();
    group._2()._1().forEach(spans::add);
    JsonNode overlay = group._2()._2().isPresent() ? JsonValues.MAPPER.readTree(group._2()._2().get()) : null;
    spans.sort(Comparator.comparingLong((Row r) -> r.getLong(r.fieldIndex(OtlpSpanRows.START_NANOS)))
        .thenComparing(r -> r.getString(r.fieldIndex(OtlpSpanRows.SPAN_ID))));
    Row root = null;
    for (Row r : spans) {
      if (r.getBoolean(r.fieldIndex(OtlpSpanRows.IS_ROOT))) {
        root = r;
        break;
      }
    }
    Row first = root != null ? root : spans.get(0);
    String file = first.getString(first.fieldIndex(OtlpSpanRows.SOURCE_FILE));
    String position = "trace " + group._1();
    String document = document(group._1(), spans, root, overlay);

    TraceRecordReader reader = new TraceRecordReader(rootAttributeKeys, limits, captureSpans, prices);
    RowQueue queue = new RowQueue(file, 0, limits.rawMaxChars());
    try (JsonParser p = reader.factory().createParser(document)) {
      p.nextToken();
      reader.readValue(p, position, () -> document, new RecordContext(file, SHAPE_LABEL), queue);
    } catch (IOException e) {
      queue.reject(QuarantineReason.MALFORMED_JSON, JsonValues.firstLine(e.getMessage()), document, position);
    }
    List<InternalRow> out = new ArrayList<>();
    while (!queue.isEmpty()) {
      out.add(queue.poll());
    }
    return out.iterator();
  }

  /**
   * The {@code Trace.to_json()} document of these spans (the root, when received, among them); {@code overlay}, when
   * given, is what a table of annotations holds for the trace ({@link OtelTables#overlays}): its metadata and tags
   * win over those derived from the spans, and it brings the client request id, previews and assessments.
   */
  private static String document(String traceKey, List<Row> spans, Row root, JsonNode overlay) throws IOException {
    JsonNode rootSpan = JsonValues.MAPPER.readTree(span(root != null ? root : spans.get(0)));
    JsonNode attributes = rootSpan.path("attributes");
    String traceId = traceId(traceKey, rootSpan, spans);
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, String> tags = new LinkedHashMap<>();
    if (root != null) {
      putIfPresent(metadata, "mlflow.trace.user", unquoted(attributes.get("user.id")));
      String session = unquoted(attributes.get("session.id"));
      putIfPresent(metadata, "mlflow.trace.session",
          session != null ? session : unquoted(attributes.get("gen_ai.conversation.id")));
      attributes.fields().forEachRemaining(e -> {
        if (e.getKey().startsWith(TAG_PREFIX) && e.getKey().length() > TAG_PREFIX.length()) {
          tags.put(e.getKey().substring(TAG_PREFIX.length()), plain(e.getValue()));
        }
      });
    }
    if (overlay != null) {
      overlay.path("trace_metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), plain(e.getValue())));
      overlay.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), plain(e.getValue())));
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JsonValues.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("info");
      g.writeStringField("trace_id", traceId);
      if (overlay != null) {
        for (String field : List.of("client_request_id", "request_preview", "response_preview")) {
          if (overlay.hasNonNull(field)) {
            g.writeStringField(field, plain(overlay.get(field)));
          }
        }
        if (overlay.path("assessments").isArray()) {
          g.writeFieldName("assessments");
          g.writeTree(overlay.get("assessments"));
        }
      }
      if (root != null) {
        long start = rootSpan.path("start_time_unix_nano").asLong();
        g.writeNumberField("request_time", Math.floorDiv(start, 1_000_000L));
        JsonNode end = rootSpan.get("end_time_unix_nano");
        if (end != null && end.isIntegralNumber()) {
          g.writeNumberField("execution_duration_ms", Math.floorDiv(end.asLong() - start, 1_000_000L));
        }
        g.writeStringField("state", state(rootSpan.path("status").path("code").asText()));
      } else {
        long earliest = spans.get(0).getLong(spans.get(0).fieldIndex(OtlpSpanRows.START_NANOS));
        g.writeNumberField("request_time", Math.floorDiv(earliest, 1_000_000L));
        g.writeStringField("state", "IN_PROGRESS");
      }
      writeMap(g, "trace_metadata", metadata);
      writeMap(g, "tags", tags);
      g.writeEndObject();
      g.writeObjectFieldStart("data");
      g.writeArrayFieldStart("spans");
      for (Row r : spans) {
        g.writeRawValue(span(r));
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    }
    return out.toString();
  }

  /**
   * The root's {@code mlflow.traceRequestId} (MLflow sets it on every span), else the first other span's that has one
   * (the root has not arrived), else {@code tr-} and the hex trace id, as MLflow names a trace it receives over OTLP.
   */
  private static String traceId(String traceKey, JsonNode rootSpan, List<Row> spans) throws IOException {
    String id = unquoted(rootSpan.path("attributes").get(REQUEST_ID));
    for (int i = 0; (id == null || id.isBlank()) && i < spans.size(); i++) {
      String text = span(spans.get(i));
      if (text.contains(REQUEST_ID)) {
        id = unquoted(JsonValues.MAPPER.readTree(text).path("attributes").get(REQUEST_ID));
      }
    }
    return id == null || id.isBlank() ? "tr-" + traceKey : id;
  }

  private static String span(Row r) {
    return r.getString(r.fieldIndex(OtlpSpanRows.SPAN));
  }

  private static String state(String statusCode) {
    return switch (statusCode) {
      case "STATUS_CODE_OK" -> "OK";
      case "STATUS_CODE_ERROR" -> "ERROR";
      default -> "STATE_UNSPECIFIED";
    };
  }

  private static void putIfPresent(Map<String, String> map, String key, String value) {
    if (value != null && !value.isBlank()) {
      map.put(key, value);
    }
  }

  private static void writeMap(JsonGenerator g, String field, Map<String, String> map) throws IOException {
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, String> e : map.entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /** An attribute value of the span dictionary as text: MLflow's JSON quoting removed; null when absent. */
  private static String unquoted(JsonNode value) {
    return value == null || value.isNull() ? null : JsonValues.unquoteJsonString(plain(value));
  }

  /** A string as it is, any other value as JSON. */
  private static String plain(JsonNode value) {
    return value.isTextual() ? value.asText() : value.toString();
  }
}
