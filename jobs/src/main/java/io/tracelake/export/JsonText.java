package io.tracelake.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** JSON text as stored in the tables (request, response, assessment values), turned into values and keys. */
public final class JsonText {

  private JsonText() {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  /** The JSON value of {@code text}; text that is not JSON becomes a JSON string, as MLflow keeps it. */
  public static JsonNode parse(String text) {
    try {
      JsonNode node = JSON.readTree(text);
      return node == null || node.isMissingNode() ? NODES.textNode(text) : node;
    } catch (JsonProcessingException e) {
      return NODES.textNode(text);
    }
  }

  /** {@link #parse}, written back as compact JSON text (null stays null). */
  public static String normalized(String text) {
    return text == null ? null : parse(text).toString();
  }

  /**
   * A key equal for equal JSON values: object keys sorted, numbers compared by value (1, 1.0 and 1e0 are one key, as
   * they are equal in Python). Null stays null.
   */
  public static String canonical(String text) {
    return text == null ? null : canonical(parse(text)).toString();
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      Map<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        sorted.put(f.getKey(), canonical(f.getValue()));
      }
      ObjectNode out = NODES.objectNode();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = NODES.arrayNode();
      node.forEach(e -> out.add(canonical(e)));
      return out;
    }
    if (node.isNumber()) {
      BigDecimal value = node.decimalValue();
      return NODES.numberNode(value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros());
    }
    return node;
  }
}
