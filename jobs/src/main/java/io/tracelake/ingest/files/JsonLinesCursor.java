package io.tracelake.ingest.files;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads JSON lines from a byte range [start, end) of a stream: every line that starts inside the range, each parsed
 * on its own so that a malformed line is quarantined and the next one is read. Lines are numbered from 1 within the
 * range; the driver adds the range's offset using the newline count this cursor reports at the end.
 *
 * <p>The stream must be positioned at {@code start - 1} (or at 0 when start is 0), so that the cursor can tell
 * whether a line starts exactly at {@code start}.
 */
final class JsonLinesCursor implements RecordCursor {

  private static final int INITIAL_BUFFER = 1 << 20;

  private final InputStream in;
  private final long start;
  private final long end;
  private final TraceRecordReader reader;
  private final RecordContext context;
  private final RowQueue queue;

  private byte[] buf = new byte[INITIAL_BUFFER];
  private int pos;
  private int limit;
  /** File offset of buf[0]. */
  private long bufferOffset;
  private boolean eof;
  private boolean done;
  private boolean started;
  private boolean startsAfterNewline;
  private long newlinesInRange;
  private long line;

  JsonLinesCursor(InputStream in, long start, long end, TraceRecordReader reader, RecordContext context,
      RowQueue queue) {
    this.in = in;
    this.start = start;
    this.end = end;
    this.reader = reader;
    this.context = context;
    this.queue = queue;
    this.bufferOffset = start == 0 ? 0 : start - 1;
  }

  @Override
  public boolean advance() {
    if (done) {
      return false;
    }
    try {
      if (!started) {
        started = true;
        skipToFirstLine();
      }
      return readOneLine();
    } catch (IOException e) {
      queue.atLine(line == 0 ? null : line);
      queue.reject(QuarantineReason.UNREADABLE_FILE,
          "reading stopped after line " + line + " of this range: " + e.getMessage(), null,
          "after line " + line);
      finish();
      return false;
    }
  }

  /** Skips the partial line a range starts in; the previous range owns it. */
  private void skipToFirstLine() throws IOException {
    if (start == 0) {
      startsAfterNewline = true;
      return;
    }
    if (!fill()) {
      finish();
      return;
    }
    startsAfterNewline = buf[pos] == '\n';
    if (startsAfterNewline) {
      pos++;
      return;
    }
    if (!skipPastNewline()) {
      finish();
    }
  }

  /** Moves past the next newline (counting it), reading on as needed; false when the stream ends first. */
  private boolean skipPastNewline() throws IOException {
    while (true) {
      int nl = indexOfNewline(pos);
      if (nl >= 0) {
        countNewline(nl);
        pos = nl + 1;
        return true;
      }
      pos = limit;
      if (!fill()) {
        return false;
      }
    }
  }

  private boolean readOneLine() throws IOException {
    if (done) {
      return false;
    }
    int nl;
    while (true) {
      if (pos >= limit && !fill()) {
        finish();
        return false;
      }
      if (bufferOffset + pos >= end) {
        finish();
        return false;
      }
      nl = indexOfNewline(pos);
      if (nl >= 0 || eof) {
        break;
      }
      if (limit - pos > reader.limits().maxRecordBytes()) {
        skipOversizedLine();
        return true;
      }
      if (!fill()) {
        break;
      }
    }
    int lineStart = pos;
    int lineEnd = nl >= 0 ? nl : limit;
    if (nl >= 0) {
      countNewline(nl);
      pos = nl + 1;
    } else {
      pos = limit;
    }
    line++;
    parseLine(lineStart, lineEnd);
    return true;
  }

  /**
   * A line longer than {@code ingest.max_record_mb}: quarantined with its first characters (where a trace's id
   * usually is) and skipped to its end without holding it, so that one huge line cannot exhaust the task's memory.
   */
  private void skipOversizedLine() throws IOException {
    String head = text(pos, limit);
    line++;
    long lineNumber = line;
    skipPastNewline();
    queue.atLine(lineNumber);
    queue.reject(QuarantineReason.OVER_LIMIT, "a line longer than ingest.max_record_mb ("
        + reader.limits().maxRecordMb() + " MB); not read", head, "line " + lineNumber);
  }

  private void parseLine(int from, int to) throws IOException {
    if (to > from && buf[to - 1] == '\r') {
      to--;
    }
    if (line == 1 && start == 0 && to - from >= 3 && (buf[from] & 0xff) == 0xEF && (buf[from + 1] & 0xff) == 0xBB
        && (buf[from + 2] & 0xff) == 0xBF) {
      from += 3; // UTF-8 byte order mark
    }
    if (isBlank(from, to)) {
      return;
    }
    final int lineFrom = from;
    final int lineTo = to;
    String position = "line " + line;
    queue.atLine(line);
    try (JsonParser p = reader.factory().createParser(buf, from, to - from)) {
      p.nextToken();
      reader.readValue(p, position, () -> text(lineFrom, lineTo), context, queue);
      if (p.nextToken() != null) {
        queue.reject(QuarantineReason.MALFORMED_JSON, "unexpected content after the JSON value on this line",
            text(lineFrom, lineTo), position);
      }
    } catch (StreamConstraintsException e) {
      queue.reject(QuarantineReason.OVER_LIMIT, reader.limits().describe(e), text(lineFrom, lineTo), position);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      queue.reject(QuarantineReason.MALFORMED_JSON,
          "malformed JSON" + (at == null ? "" : " at column " + at.getColumnNr()) + ": "
              + JsonValues.firstLine(e.getOriginalMessage()), text(lineFrom, lineTo), position);
    }
  }

  private String text(int from, int to) {
    // Decode a little more than the quarantine keeps, so it can tell that the text was cut.
    int maxBytes = (reader.limits().rawMaxChars() + 1) * 4;
    return new String(buf, from, Math.min(to - from, maxBytes), StandardCharsets.UTF_8);
  }

  private boolean isBlank(int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = buf[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private void countNewline(int index) {
    long offset = bufferOffset + index;
    if (offset >= start && offset < end) {
      newlinesInRange++;
    }
  }

  private int indexOfNewline(int from) {
    for (int i = from; i < limit; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Reads more bytes, keeping those from {@code pos} on; grows the buffer when one line fills it. False at end of
   * stream with nothing new read.
   */
  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      bufferOffset += pos;
      limit -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      byte[] bigger = new byte[buf.length * 2];
      System.arraycopy(buf, 0, bigger, 0, limit);
      buf = bigger;
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n <= 0) {
      eof = true;
      return false;
    }
    limit += n;
    return true;
  }

  private void finish() {
    if (!done) {
      done = true;
      queue.atLine(null);
      queue.splitStats(newlinesInRange, startsAfterNewline);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
