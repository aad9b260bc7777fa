package io.tracelake.ingest.mlflow;

import io.tracelake.schema.TraceColumns;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A 64-bit hash of a parsed trace's content: every field the canonical table keeps from the record, map entries in
 * key order, assessments in order; not where or when it was read. SHA-256, truncated: computed once per record while
 * parsing, it costs far less than hashing the JSON form of maps and arrays in Spark.
 */
final class ContentHash {

  private final MessageDigest digest;

  private ContentHash() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static long of(ParsedTrace t) {
    ContentHash h = new ContentHash();
    h.add(t.traceId).add(t.clientRequestId).add(t.experimentId).add(t.requestTime).add(t.executionDurationMs)
        .add(t.state).add(t.traceName).add(t.request).add(t.response).add(t.requestPreview).add(t.responsePreview)
        .add(t.metadata).add(t.tags).add(t.inputTokens).add(t.outputTokens).add(t.totalTokens)
        .add(t.spanCount == null ? null : (long) t.spanCount).add(t.rootSpanAttributes);
    for (Assessment a : t.assessments) {
      h.add(a.assessmentId).add(a.name).add(a.kind).add(a.sourceType).add(a.sourceId).add(a.value).add(a.error)
          .add(a.rationale).add(a.createTime).add(a.lastUpdateTime).add(String.valueOf(a.valid)).add(a.overrides);
    }
    // The spans' own costs and models, only where a trace has them: a trace without them hashes as before they were
    // read. (mlflow.trace.cost is in the metadata already.)
    if (t.recordedCostUsd != null && TraceColumns.COST_FROM_SPANS.equals(t.recordedCostSource)) {
      h.add(Double.toString(t.recordedCostUsd));
    }
    for (ModelUsage u : t.llmUsage) {
      if (u.model() != null) {
        h.add(u.model());
      }
    }
    return ByteBuffer.wrap(h.digest.digest()).getLong();
  }

  private ContentHash add(String s) {
    if (s == null) {
      digest.update((byte) 0);
      return this;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    digest.update((byte) 1);
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
    return this;
  }

  private ContentHash add(Long n) {
    return add(n == null ? null : n.toString());
  }

  private ContentHash add(Instant i) {
    return add(i == null ? null : i.toString());
  }

  private ContentHash add(Map<String, String> map) {
    Map<String, String> sorted = new TreeMap<>(map);
    add((long) sorted.size());
    sorted.forEach((k, v) -> add(k).add(v));
    return this;
  }
}
