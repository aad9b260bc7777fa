package io.tracelake.ingest.mlflow;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;

/** One trace as read from an export, before configured identity columns are resolved. See {@code PARSED_TRACE}. */
public final class ParsedTrace {

  String traceId;
  String clientRequestId;
  String experimentId;
  Instant requestTime;
  Long executionDurationMs;
  String state;
  String traceName;
  String request;
  String response;
  String requestPreview;
  String responsePreview;
  Map<String, String> metadata;
  Map<String, String> tags;
  Long inputTokens;
  Long outputTokens;
  Long totalTokens;
  Integer spanCount;
  /** The cost the trace records (see {@link TraceAssembler}), and where it was found; both null when none. */
  Double recordedCostUsd;
  String recordedCostSource;
  /** Each span with token usage: its model and tokens, for a price table. */
  List<ModelUsage> llmUsage;
  /** The trace's cost columns, decided by {@link TraceCost}. */
  Double costUsd;
  String costSource;
  List<String> unpricedModels;
  List<Assessment> assessments;
  Map<String, String> rootSpanAttributes;
  String sourceFormat;
  String sourceFile;
  long contentHash;
  /** Every span, when the reader was asked to keep them; else null. */
  List<ParsedSpan> spans;

  public String traceId() {
    return traceId;
  }

  public Instant requestTime() {
    return requestTime;
  }

  public String state() {
    return state;
  }

  /**
   * The row in {@link io.tracelake.schema.TraceSchemas#PARSED_TRACE} order, in Spark's internal form
   * ({@link CatalystValues}); the date is the UTC date of the request time.
   */
  public InternalRow toInternalRow() {
    List<InternalRow> assessmentRows = new ArrayList<>(assessments.size());
    for (Assessment a : assessments) {
      assessmentRows.add(a.toInternalRow());
    }
    int days = (int) LocalDate.ofInstant(requestTime, ZoneOffset.UTC).toEpochDay();
    return CatalystValues.row(CatalystValues.string(traceId), CatalystValues.string(clientRequestId),
        CatalystValues.string(experimentId), CatalystValues.micros(requestTime), days, executionDurationMs,
        CatalystValues.string(state), CatalystValues.string(traceName), CatalystValues.string(request),
        CatalystValues.string(response), CatalystValues.string(requestPreview),
        CatalystValues.string(responsePreview), CatalystValues.map(metadata), CatalystValues.map(tags), inputTokens,
        outputTokens, totalTokens, spanCount, CatalystValues.array(assessmentRows),
        CatalystValues.map(rootSpanAttributes), CatalystValues.string(sourceFormat),
        CatalystValues.string(sourceFile), contentHash, costUsd, CatalystValues.string(costSource),
        unpricedModels == null ? null : CatalystValues.strings(unpricedModels), spans == null ? null : spanRows());
  }

  private GenericArrayData spanRows() {
    Object[] rows = new Object[spans.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = spans.get(i).toInternalRow();
    }
    return new GenericArrayData(rows);
  }
}
