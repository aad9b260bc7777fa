package io.tracelake.ingest.mlflow;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One span of a trace as read from an export, normalised across MLflow's span generations: ids as lower-case hex
 * (base64 of MLflow 3, {@code 0x…} of MLflow 2, hex of 3.5.0 all become the same text), the root's parent null, the
 * status code without its {@code STATUS_CODE_} prefix. See {@link io.tracelake.schema.TraceSchemas#SPAN}.
 */
final class ParsedSpan {

  int index;
  String spanId;
  String parentSpanId;
  String name;
  String spanType;
  String statusCode;
  String statusMessage;
  Instant startTime;
  Instant endTime;
  String inputs;
  String outputs;
  Map<String, String> attributes;
  Integer eventCount;
  String model;
  String provider;
  Long inputTokens;
  Long outputTokens;
  Long totalTokens;
  Double cost;

  /** The row in {@code SPAN} order, in Spark's internal form. */
  InternalRow toInternalRow() {
    Double durationMs = startTime == null || endTime == null ? null
        : (endTime.getEpochSecond() - startTime.getEpochSecond()) * 1000.0
            + (endTime.getNano() - startTime.getNano()) / 1_000_000.0;
    return CatalystValues.row(index, CatalystValues.string(spanId), CatalystValues.string(parentSpanId),
        CatalystValues.string(name), CatalystValues.string(spanType), CatalystValues.string(statusCode),
        CatalystValues.string(statusMessage), CatalystValues.micros(startTime), CatalystValues.micros(endTime),
        durationMs, CatalystValues.string(inputs), CatalystValues.string(outputs), CatalystValues.map(attributes),
        eventCount, CatalystValues.string(model), CatalystValues.string(provider), inputTokens, outputTokens,
        totalTokens, cost);
  }

  /**
   * A span id as MLflow prints it, 16 lower-case hex digits: {@code 0x1a2b…} and plain hex (MLflow 2, 3.5.0) as
   * numbers, base64 (MLflow 3's {@code Gis8TV5vcIE=}) as the bytes it encodes, both zero-padded as MLflow's
   * {@code encode_span_id} does; anything else (not an id) as it came, empty as null.
   */
  static String hexId(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    String s = raw.startsWith("0x") || raw.startsWith("0X") ? raw.substring(2) : raw;
    if (!s.isEmpty() && s.length() <= 16 && s.matches("[0-9a-fA-F]+")) {
      return "0".repeat(16 - s.length()) + s.toLowerCase(Locale.ROOT);
    }
    if (s.length() % 4 == 0 && s.matches("[A-Za-z0-9+/]+={0,2}")) {
      byte[] bytes = Base64.getDecoder().decode(s);
      if (bytes.length > 0 && bytes.length <= 8) {
        String hex = new BigInteger(1, bytes).toString(16);
        return "0".repeat(16 - hex.length()) + hex;
      }
    }
    return raw;
  }

  /**
   * {@code STATUS_CODE_OK}, {@code OK}, {@code ok} → {@code OK}; OpenTelemetry's numbers 0, 1, 2 → UNSET, OK, ERROR;
   * null or empty → {@code UNSET}.
   */
  static String statusCode(String raw) {
    if (raw == null || raw.isBlank()) {
      return "UNSET";
    }
    switch (raw) {
      case "0" -> {
        return "UNSET";
      }
      case "1" -> {
        return "OK";
      }
      case "2" -> {
        return "ERROR";
      }
      default -> { }
    }
    String s = raw.toUpperCase(Locale.ROOT);
    return s.startsWith("STATUS_CODE_") ? s.substring("STATUS_CODE_".length()) : s;
  }
}
