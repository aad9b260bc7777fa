package io.tracelake.ingest.mlflow;

import java.io.Serializable;

/**
 * Where records come from: the file, and a label of its detected shape that becomes the trace's
 * {@code source_format} prefix (for example {@code jsonl} or {@code parquet/search_traces_row}).
 */
public record RecordContext(String sourceFile, String shapeLabel) implements Serializable {

  RecordContext withRecordPrefix(String prefix) {
    return shapeLabel.endsWith("/" + prefix) ? this : new RecordContext(sourceFile, shapeLabel + "/" + prefix);
  }
}
