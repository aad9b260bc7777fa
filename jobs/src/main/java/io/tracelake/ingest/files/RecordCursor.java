package io.tracelake.ingest.files;

import java.io.Closeable;

/** Reads a file (or range) one unit at a time (a line, an array element, a document) into a {@link RowQueue}. */
interface RecordCursor extends Closeable {

  /** Reads the next unit; false when there is nothing more. */
  boolean advance();
}
