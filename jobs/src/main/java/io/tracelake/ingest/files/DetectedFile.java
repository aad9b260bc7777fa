package io.tracelake.ingest.files;

import java.io.Serializable;

/** An input file with its detected shape; {@code gzip} when its bytes start with the gzip magic number. */
public record DetectedFile(String path, long length, FileShape shape, boolean gzip, String note)
    implements Serializable {

  /** The label used in {@code source_format} and in the run summary, e.g. {@code jsonl.gz}. */
  public String label() {
    return gzip ? shape.label() + ".gz" : shape.label();
  }
}
