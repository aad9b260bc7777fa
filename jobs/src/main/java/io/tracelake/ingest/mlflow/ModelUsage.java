package io.tracelake.ingest.mlflow;

import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One span's token usage and the model it names ({@code mlflow.llm.model}, else OpenTelemetry's
 * {@code gen_ai.request.model}, then {@code gen_ai.response.model}; null when it names none): what a price table turns
 * into a cost.
 */
record ModelUsage(String model, long inputTokens, long outputTokens) {

  /** The row in {@code TraceSchemas.MODEL_USAGE} order, in Spark's internal form. */
  InternalRow toInternalRow() {
    return CatalystValues.row(CatalystValues.string(model), inputTokens, outputTokens);
  }
}
