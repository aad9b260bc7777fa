package io.tracelake.ingest.files;

import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Runs one {@link ParseTask} on an executor: opens the file (or range), picks the cursor for its shape and hands out
 * {@link io.tracelake.schema.TraceSchemas#PARSED_RECORD} rows lazily.
 */
final class ParseTaskRunner implements FlatMapFunction<ParseTask, InternalRow> {

  private static final int READ_BUFFER = 1 << 20;

  private final HadoopConfHolder conf;
  private final List<String> rootAttributeKeys;
  private final ReadLimits limits;
  private final boolean captureSpans;
  private final TraceCost.Prices prices;

  ParseTaskRunner(HadoopConfHolder conf, List<String> rootAttributeKeys, ReadLimits limits,
      boolean captureSpans,
      TraceCost.Prices prices) {
    this.captureSpans = captureSpans;
    this.prices = prices;
    this.conf = conf;
    this.rootAttributeKeys = List.copyOf(rootAttributeKeys);
    this.limits = limits;
  }

  @Override
  public Iterator<InternalRow> call(ParseTask task) {
    DetectedFile file = task.file();
    RowQueue queue = new RowQueue(file.path(), task.splitIndex(), limits.rawMaxChars());
    TraceRecordReader reader = new TraceRecordReader(rootAttributeKeys, limits, captureSpans, prices);
    RecordContext context = new RecordContext(file.path(), file.label());
    RecordCursor cursor;
    try {
      cursor = open(task, reader, context, queue);
    } catch (IOException e) {
      queue.reject(QuarantineReason.UNREADABLE_FILE, "cannot open: " + e.getMessage(), null, "file");
      cursor = null;
    }
    return new CursorIterator(cursor, queue);
  }

  private RecordCursor open(ParseTask task, TraceRecordReader reader, RecordContext context, RowQueue queue)
      throws IOException {
    DetectedFile file = task.file();
    switch (file.shape()) {
      case NOT_AN_EXPORT, UNREADABLE -> {
        QuarantineReason reason = file.shape() == FileShape.UNREADABLE
            ? QuarantineReason.UNREADABLE_FILE : QuarantineReason.NOT_AN_EXPORT;
        queue.reject(reason, file.note(), file.gzip() ? null : textPreview(file), "file");
        return null;
      }
      case JSON_LINES -> {
        FileSystem fs = new Path(file.path()).getFileSystem(conf.get());
        FSDataInputStream raw = fs.open(new Path(file.path()), READ_BUFFER);
        if (file.gzip()) {
          return new JsonLinesCursor(new GZIPInputStream(new BufferedInputStream(raw, READ_BUFFER), READ_BUFFER), 0,
              Long.MAX_VALUE, reader, context, queue);
        }
        if (task.start() > 0) {
          raw.seek(task.start() - 1);
        }
        return new JsonLinesCursor(raw, task.start(), task.end(), reader, context, queue);
      }
      case JSON_ARRAY, SEARCH_ENVELOPE, JSON_DOCUMENT -> {
        return new JsonDocumentCursor(openWhole(file), reader, context, queue);
      }
      case EXPORT_IMPORT -> {
        return new ExportImportTrace(file, conf.get(), reader, context, queue);
      }
      default -> throw new IllegalStateException("no parse task for a " + file.shape() + " file");
    }
  }

  private InputStream openWhole(DetectedFile file) throws IOException {
    FileSystem fs = new Path(file.path()).getFileSystem(conf.get());
    InputStream in = new BufferedInputStream(fs.open(new Path(file.path()), READ_BUFFER), READ_BUFFER);
    return file.gzip() ? new GZIPInputStream(in, READ_BUFFER) : in;
  }

  /** The start of a file that is not an export, as text when it looks like text (no NUL bytes). */
  private String textPreview(DetectedFile file) {
    try (InputStream in = openWhole(file)) {
      byte[] head = in.readNBytes(limits.rawMaxChars() + 1);
      for (byte b : head) {
        if (b == 0) {
          return null;
        }
      }
      return new String(head, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** Pulls rows from a cursor as Spark asks for them; closes the cursor at the end. */
  private static final class CursorIterator implements Iterator<InternalRow> {
    private final RecordCursor cursor;
    private final RowQueue queue;
    private boolean closed;

    CursorIterator(RecordCursor cursor, RowQueue queue) {
      this.cursor = cursor;
      this.queue = queue;
      this.closed = cursor == null;
    }

    @Override
    public boolean hasNext() {
      while (queue.isEmpty() && !closed) {
        if (!cursor.advance()) {
          close();
        }
      }
      return !queue.isEmpty();
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return queue.poll();
    }

    private void close() {
      closed = true;
      try {
        cursor.close();
      } catch (IOException ignored) {
        // Reading is over; a failure to close a read-only stream loses nothing.
      }
    }
  }
}
