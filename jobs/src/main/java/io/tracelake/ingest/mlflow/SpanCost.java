package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** A span's cost as MLflow records it: attribute {@code mlflow.llm.cost}, JSON {@code {input_cost, output_cost, total_cost}} in USD. */
final class SpanCost {

  private SpanCost() {}

  /** The total cost in the attribute's JSON text (else input + output cost); null when there is none. */
  static Double total(String json) {
    if (json == null) {
      return null;
    }
    try {
      JsonNode node = JsonValues.MAPPER.readTree(JsonValues.unquoteJsonString(json));
      if (node == null) {
        return null;
      }
      if (node.isNumber()) {
        return node.asDouble();
      }
      if (!node.isObject()) {
        return null;
      }
      JsonNode total = node.get("total_cost");
      if (total != null && total.isNumber()) {
        return total.asDouble();
      }
      JsonNode in = node.get("input_cost");
      JsonNode out = node.get("output_cost");
      if ((in == null || !in.isNumber()) && (out == null || !out.isNumber())) {
        return null;
      }
      return (in != null && in.isNumber() ? in.asDouble() : 0) + (out != null && out.isNumber() ? out.asDouble() : 0);
    } catch (IOException e) {
      return null;
    }
  }
}
