package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** Token counts as MLflow records them: JSON {@code {"input_tokens", "output_tokens", "total_tokens"}}. */
record TokenUsage(long input, long output, long total) {

  /** Parses the JSON text of a usage object; null when it is not one. A missing total is input + output. */
  static TokenUsage parse(String json) {
    if (json == null) {
      return null;
    }
    try {
      JsonNode node = JsonValues.MAPPER.readTree(JsonValues.unquoteJsonString(json));
      if (node == null || !node.isObject()) {
        return null;
      }
      Long in = number(node.get("input_tokens"));
      Long out = number(node.get("output_tokens"));
      Long total = number(node.get("total_tokens"));
      if (in == null && out == null && total == null) {
        return null;
      }
      long i = in == null ? 0 : in;
      long o = out == null ? 0 : out;
      return new TokenUsage(i, o, total == null ? i + o : total);
    } catch (IOException e) {
      return null;
    }
  }

  private static Long number(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    return n.isNumber() ? Long.valueOf(n.asLong()) : JsonValues.parseLong(n.asText());
  }
}
