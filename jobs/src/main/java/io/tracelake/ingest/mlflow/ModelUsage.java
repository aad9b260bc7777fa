package io.tracelake.ingest.mlflow;

/**
 * One span's token usage and the model it names ({@code mlflow.llm.model}, else OpenTelemetry's
 * {@code gen_ai.request.model}, then {@code gen_ai.response.model}; null when it names none): what a price table turns
 * into a cost.
 */
record ModelUsage(String model, long inputTokens, long outputTokens) {}
