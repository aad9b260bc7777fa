package io.tracelake.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

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
  List<Assessment> assessments;
  Map<String, String> rootSpanAttributes;
  String sourceFormat;
  String sourceFile;
  long contentHash;

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
   * The row in {@link io.tracelake.schema.TraceSchemas#PARSED_TRACE} order. Times are {@link Instant} and dates
   * {@link LocalDate}, which Spark converts without the JVM's time zone; the date is the UTC date. Collections are Scala's, as
   * Spark's row encoder wants them.
   */
  public Row toRow() {
    List<Row> assessmentRows = new ArrayList<>(assessments.size());
    for (Assessment a : assessments) {
      assessmentRows.add(a.toRow());
    }
    LocalDate date = LocalDate.ofInstant(requestTime, ZoneOffset.UTC);
    return RowFactory.create(traceId, clientRequestId, experimentId, requestTime, date,
        executionDurationMs, state, traceName, request, response, requestPreview, responsePreview,
        CollectionConverters.asScala(metadata), CollectionConverters.asScala(tags), inputTokens, outputTokens,
        totalTokens, spanCount, CollectionConverters.asScala(assessmentRows).toSeq(),
        CollectionConverters.asScala(rootSpanAttributes), sourceFormat, sourceFile, contentHash);
  }
}
