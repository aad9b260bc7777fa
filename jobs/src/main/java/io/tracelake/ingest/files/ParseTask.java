package io.tracelake.ingest.files;

import java.io.Serializable;

/**
 * One unit of parse work: a whole file, or the byte range [start, end) of an uncompressed JSON-lines file. A range
 * owns the lines that start inside it.
 */
public record ParseTask(DetectedFile file, int splitIndex, long start, long end) implements Serializable {

  public static ParseTask wholeFile(DetectedFile file) {
    return new ParseTask(file, 0, 0, Long.MAX_VALUE);
  }
}
