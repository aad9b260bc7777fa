package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * The JSON helpers every reader shares: one Jackson factory and mapper, a value copied out as JSON text, a token named
 * as a person names it, and small conversions of JSON scalars as MLflow writes them (times, durations, JSON-encoded
 * strings).
 */
public final class JsonValues {

  public static final ObjectMapper MAPPER = new ObjectMapper();
  public static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build()
      .setCodec(MAPPER);

  /** A string as it is (it already holds JSON text); any other value serialised as JSON. */
  public static String stringOrJson(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    return jsonText(p);
  }

  /** Any value serialised as compact JSON (a string becomes a quoted JSON string). */
  public static String jsonText(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }

  /** A JSON token as a person names it: object, array, string, number, boolean, null. */
  public static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }


  private JsonValues() {}

  /** {@code "\"LLM\""} → {@code LLM}; any text that is not a JSON string literal is returned as it is. */
  public static String unquoteJsonString(String text) {
    if (text == null || text.length() < 2 || text.charAt(0) != '"' || text.charAt(text.length() - 1) != '"') {
      return text;
    }
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() == JsonToken.VALUE_STRING) {
        String value = p.getText();
        return p.nextToken() == null ? value : text;
      }
      return text;
    } catch (IOException e) {
      return text;
    }
  }

  /** A whole number from {@code "12"} or {@code "12.0"}; null when absent or not a number. */
  static Long parseLong(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return new BigDecimal(text.trim()).setScale(0, RoundingMode.HALF_UP).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  /** MLflow's times are epoch milliseconds: nothing before 1970; a Delta date partition ends at 9999. */
  private static final Instant EARLIEST = Instant.EPOCH;
  private static final Instant AFTER_LATEST = Instant.parse("+10000-01-01T00:00:00Z");

  /**
   * A point in time: a JSON number or a string of digits is epoch milliseconds; any other string is RFC 3339
   * (0, 3, 6 or 9 fraction digits, {@code Z} or an offset).
   *
   * @throws IllegalArgumentException when it is neither, or outside 1970 to 9999
   */
  static Instant parseInstant(String text, boolean numeric) {
    Instant instant = parseAnyInstant(text, numeric);
    if (instant.isBefore(EARLIEST) || !instant.isBefore(AFTER_LATEST)) {
      throw new IllegalArgumentException("outside the years 1970 to 9999 that a trace time can hold");
    }
    return instant;
  }

  private static Instant parseAnyInstant(String text, boolean numeric) {
    String t = text.trim();
    if (numeric || isNumber(t)) {
      Long ms = parseLong(t);
      if (ms == null) {
        throw new IllegalArgumentException("not a number of epoch milliseconds");
      }
      return Instant.ofEpochMilli(ms);
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("not an RFC 3339 time or epoch milliseconds");
      }
    }
  }


  /**
   * A duration in milliseconds: a JSON number or digit string is milliseconds, a protobuf Duration string such as
   * {@code "32.583s"} is seconds.
   *
   * @throws IllegalArgumentException when it is neither, or negative
   */
  static long parseDurationMs(String text, boolean numeric) {
    String t = text.trim();
    long ms;
    if (!numeric && t.endsWith("s") && isNumber(t.substring(0, t.length() - 1))) {
      try {
        ms = new BigDecimal(t.substring(0, t.length() - 1)).movePointRight(3)
            .setScale(0, RoundingMode.HALF_UP).longValueExact();
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("out of range");
      }
    } else {
      Long parsed = isNumber(t) ? parseLong(t) : null;
      if (parsed == null) {
        throw new IllegalArgumentException("not milliseconds or a protobuf duration like \"1.5s\"");
      }
      ms = parsed;
    }
    if (ms < 0) {
      throw new IllegalArgumentException("negative");
    }
    return ms;
  }

  private static boolean isNumber(String t) {
    if (t.isEmpty()) {
      return false;
    }
    try {
      new BigDecimal(t);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  static String truncate(String text, int maxChars) {
    if (text == null || text.length() <= maxChars) {
      return text;
    }
    return text.substring(0, maxChars);
  }
}
