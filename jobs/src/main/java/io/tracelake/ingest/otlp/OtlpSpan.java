package io.tracelake.ingest.otlp;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.tracelake.ingest.mlflow.JsonValues;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * One span of an OTLP/JSON {@code TracesData} line, turned into the span dictionary MLflow 3 writes in
 * {@code Trace.to_json()} ({@code mlflow/entities/span.py}, {@code Span.to_dict}), which the record reader already
 * reads: ids as hex, times in nanoseconds, the status code by name, and each attribute value as MLflow keeps it.
 *
 * <p>OTLP/JSON encoding (OpenTelemetry, "OTLP Specification", JSON Protobuf Encoding): ids are hex strings (base64
 * accepted too), 64-bit integers are strings or numbers, enums are integers, attribute values are typed
 * ({@code {"stringValue": …}}, {@code intValue}, {@code doubleValue}, {@code boolValue}, {@code arrayValue},
 * {@code kvlistValue}, {@code bytesValue}). MLflow sends its own attributes as strings holding JSON
 * ({@code mlflow.spanInputs}, {@code "\"LLM\""} for {@code mlflow.spanType}); a string is kept as it is, so both those
 * and plain OpenTelemetry strings ({@code user.id}) read as they do in an MLflow export.
 *
 * @param traceKey the OpenTelemetry trace id, 32 lower-case hex digits: what groups spans into a trace
 * @param spanId the span id, 16 lower-case hex digits
 * @param root the span has no parent: it is the trace's root
 * @param startNanos the span's start, epoch nanoseconds (0 when absent)
 * @param json the span as MLflow's span dictionary, JSON text
 */
public record OtlpSpan(String traceKey, String spanId, boolean root, long startNanos, String json) {

  /** A span that cannot be read: what is wrong with it. */
  public static final class InvalidSpanException extends Exception {
    InvalidSpanException(String message) {
      super(message);
    }
  }

  /** The OpenTelemetry status codes by their enum number. */
  private static final String[] STATUS_CODES = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

  /** Converts one element of a {@code scopeSpans[].spans} array. */
  public static OtlpSpan of(JsonNode span) throws InvalidSpanException {
    if (!span.isObject()) {
      throw new InvalidSpanException("a span is a JSON " + span.getNodeType().name().toLowerCase(Locale.ROOT)
          + ", expected an object");
    }
    String traceKey = hexId(span.get("traceId"), 16, "traceId");
    String spanId = hexId(span.get("spanId"), 8, "spanId");
    if (traceKey == null) {
      throw new InvalidSpanException("the span has no traceId");
    }
    if (spanId == null) {
      throw new InvalidSpanException("the span has no spanId");
    }
    String parent = hexId(span.get("parentSpanId"), 8, "parentSpanId");
    long start = nanos(span.get("startTimeUnixNano"), "startTimeUnixNano");
    long end = nanos(span.get("endTimeUnixNano"), "endTimeUnixNano");
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JsonValues.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("trace_id", traceKey);
      g.writeStringField("span_id", spanId);
      g.writeStringField("parent_span_id", parent);
      g.writeStringField("name", text(span.get("name")));
      g.writeNumberField("start_time_unix_nano", start);
      if (end > 0) {
        g.writeNumberField("end_time_unix_nano", end);
      } else {
        g.writeNullField("end_time_unix_nano");
      }
      writeStatus(g, span.get("status"));
      g.writeFieldName("attributes");
      writeAttributes(g, span.get("attributes"), "attributes");
      writeEvents(g, span.get("events"));
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to a string failed", e);
    }
    return new OtlpSpan(traceKey, spanId, parent == null, start, out.toString());
  }

  private static void writeStatus(JsonGenerator g, JsonNode status) throws IOException, InvalidSpanException {
    String code = STATUS_CODES[0];
    String message = "";
    if (status != null && status.isObject()) {
      JsonNode c = status.get("code");
      if (c != null && c.isIntegralNumber() && c.asInt() >= 0 && c.asInt() < STATUS_CODES.length) {
        code = STATUS_CODES[c.asInt()];
      } else if (c != null && c.isTextual() && c.asText().startsWith("STATUS_CODE_")) {
        code = c.asText();
      } else if (c != null && !c.isNull()) {
        throw new InvalidSpanException("status.code " + c + " is not 0, 1, 2 or a STATUS_CODE_ name");
      }
      message = text(status.get("message"));
    }
    g.writeObjectFieldStart("status");
    g.writeStringField("code", code);
    g.writeStringField("message", message == null ? "" : message);
    g.writeEndObject();
  }

  private static void writeAttributes(JsonGenerator g, JsonNode attributes, String where)
      throws IOException, InvalidSpanException {
    g.writeStartObject();
    if (attributes != null && attributes.isArray()) {
      for (JsonNode kv : attributes) {
        String key = text(kv.get("key"));
        if (key == null) {
          throw new InvalidSpanException(where + " holds an entry without a key");
        }
        Object value = value(kv.get("value"), where + "." + key);
        if (value != null) {
          g.writeFieldName(key);
          g.writeObject(value);
        }
      }
    } else if (attributes != null && !attributes.isNull()) {
      throw new InvalidSpanException(where + " is not a list of {key, value}");
    }
    g.writeEndObject();
  }

  private static void writeEvents(JsonGenerator g, JsonNode events) throws IOException, InvalidSpanException {
    g.writeArrayFieldStart("events");
    if (events != null && events.isArray()) {
      for (JsonNode e : events) {
        g.writeStartObject();
        g.writeStringField("name", text(e.get("name")));
        g.writeNumberField("time_unix_nano", nanos(e.get("timeUnixNano"), "events.timeUnixNano"));
        g.writeFieldName("attributes");
        writeAttributes(g, e.get("attributes"), "events.attributes");
        g.writeEndObject();
      }
    }
    g.writeEndArray();
  }

  /** An {@code AnyValue} as a Java value Jackson writes back as JSON (null for an empty value). */
  private static Object value(JsonNode any, String where) throws InvalidSpanException {
    if (any == null || any.isNull() || any.isObject() && any.isEmpty()) {
      return null;
    }
    if (!any.isObject() || any.size() != 1) {
      throw new InvalidSpanException(where + " is not an OpenTelemetry AnyValue (one of stringValue, intValue, "
          + "doubleValue, boolValue, arrayValue, kvlistValue, bytesValue)");
    }
    Map.Entry<String, JsonNode> only = any.fields().next();
    JsonNode v = only.getValue();
    switch (only.getKey()) {
      case "stringValue", "bytesValue" -> {
        if (!v.isTextual()) {
          throw new InvalidSpanException(where + "." + only.getKey() + " is not a string");
        }
        return v.asText();
      }
      case "intValue" -> {
        try {
          return v.isIntegralNumber() ? v.bigIntegerValue() : new BigInteger(v.asText());
        } catch (NumberFormatException e) {
          throw new InvalidSpanException(where + ".intValue '" + v.asText() + "' is not an integer");
        }
      }
      case "doubleValue" -> {
        if (v.isNumber()) {
          return v.doubleValue();
        }
        try {
          return Double.parseDouble(v.asText());  // "NaN", "Infinity" in protobuf JSON
        } catch (NumberFormatException e) {
          throw new InvalidSpanException(where + ".doubleValue '" + v.asText() + "' is not a number");
        }
      }
      case "boolValue" -> {
        if (!v.isBoolean()) {
          throw new InvalidSpanException(where + ".boolValue is not true or false");
        }
        return v.booleanValue();
      }
      case "arrayValue" -> {
        java.util.List<Object> list = new java.util.ArrayList<>();
        JsonNode values = v.get("values");
        if (values != null && values.isArray()) {
          for (JsonNode item : values) {
            list.add(value(item, where + "[]"));
          }
        }
        return list;
      }
      case "kvlistValue" -> {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        JsonNode values = v.get("values");
        if (values != null && values.isArray()) {
          for (JsonNode kv : values) {
            map.put(text(kv.get("key")), value(kv.get("value"), where + "." + text(kv.get("key"))));
          }
        }
        return map;
      }
      default -> throw new InvalidSpanException(where + " has an unknown value type '" + only.getKey() + "'");
    }
  }

  /**
   * An id as lower-case hex of {@code bytes} bytes, from hex (OTLP/JSON) or base64 (protobuf's own JSON mapping);
   * null when absent or empty (a root's parent).
   */
  private static String hexId(JsonNode node, int bytes, String field) throws InvalidSpanException {
    String raw = text(node);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    if (raw.length() == bytes * 2 && raw.matches("[0-9a-fA-F]+")) {
      return raw.toLowerCase(Locale.ROOT);
    }
    try {
      byte[] decoded = Base64.getDecoder().decode(raw);
      if (decoded.length == bytes) {
        StringBuilder hex = new StringBuilder(bytes * 2);
        for (byte b : decoded) {
          hex.append(String.format("%02x", b));
        }
        return hex.toString();
      }
    } catch (IllegalArgumentException e) {
      // neither hex nor base64: reported below
    }
    throw new InvalidSpanException(field + " '" + raw + "' is not " + bytes * 2 + " hex digits");
  }

  private static long nanos(JsonNode node, String field) throws InvalidSpanException {
    if (node == null || node.isNull()) {
      return 0;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    try {
      return Long.parseLong(node.asText());
    } catch (NumberFormatException e) {
      throw new InvalidSpanException(field + " '" + node.asText() + "' is not epoch nanoseconds");
    }
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static String json(Object value) {
    try {
      return JsonValues.MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to a string failed", e);
    }
  }
}
