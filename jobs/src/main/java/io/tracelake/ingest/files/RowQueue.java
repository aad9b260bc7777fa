package io.tracelake.ingest.files;

import io.tracelake.ingest.mlflow.CatalystValues;
import io.tracelake.ingest.mlflow.ParsedTrace;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.util.ArrayDeque;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The sink a parse task's cursor fills: traces and rejections become rows of
 * {@link io.tracelake.schema.TraceSchemas#PARSED_RECORD} in Spark's internal form, handed out one at a time so no
 * task holds a whole file.
 */
public final class RowQueue implements TraceRecordReader.Sink {

  private final ArrayDeque<InternalRow> rows = new ArrayDeque<>();
  /** The file rejections are attributed to; set per row where one task reads many files. */
  private String sourceFile;
  private final int splitIndex;
  private final int rawMaxChars;
  /** The line (within the task's range) of the record being read, or null where records are not lines. */
  private Long currentLine;

  public RowQueue(String sourceFile, int splitIndex, int rawMaxChars) {
    this.sourceFile = sourceFile;
    this.splitIndex = splitIndex;
    this.rawMaxChars = rawMaxChars;
  }

  /** The record read next starts on this line of the task's range (null where records are not lines). */
  void atLine(Long line) {
    this.currentLine = line;
  }

  /** Rejections from here on belong to this file (a task that reads many small files). */
  public void forFile(String file) {
    this.sourceFile = file;
  }

  @Override
  public void accept(ParsedTrace trace) {
    rows.add(CatalystValues.row(trace.toInternalRow(), null, null));
  }

  @Override
  public void reject(QuarantineReason reason, String detail, String raw, String position) {
    boolean truncated = raw != null && raw.length() > rawMaxChars;
    String kept = truncated ? raw.substring(0, rawMaxChars) : raw;
    rows.add(CatalystValues.row(null, CatalystValues.row(CatalystValues.string(sourceFile),
        CatalystValues.string(position), currentLine, splitIndex, CatalystValues.string(reason.code()),
        CatalystValues.string(detail), CatalystValues.string(kept), truncated), null));
  }

  void splitStats(long newlines, boolean startsAfterNewline) {
    rows.add(CatalystValues.row(null, null, CatalystValues.row(CatalystValues.string(sourceFile), splitIndex,
        newlines, startsAfterNewline)));
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  public InternalRow poll() {
    return rows.poll();
  }
}
