package io.tracelake.ingest.files;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a whole JSON file that is not line-oriented: a JSON array of records, the {@code {"traces": [...]}} search
 * envelope, or one or more pretty-printed documents. Arrays are read one element at a time (each element is a
 * record, held as a tree only while it is read), so a large envelope streams. Malformed JSON cannot be resynchronised
 * in such a file: the cursor quarantines the point of failure and stops; the records before it are kept.
 */
final class JsonDocumentCursor implements RecordCursor {

  private enum State { TOP, ARRAY, ENVELOPE_ARRAY, ENVELOPE_REST, DONE }

  private final JsonParser p;
  private final TraceRecordReader reader;
  private final RecordContext context;
  private final RowQueue queue;
  private State state = State.TOP;
  private int document;
  private int index;

  JsonDocumentCursor(InputStream in, TraceRecordReader reader, RecordContext context, RowQueue queue)
      throws IOException {
    this.p = reader.factory().createParser(in);
    this.reader = reader;
    this.context = context;
    this.queue = queue;
  }

  @Override
  public boolean advance() {
    try {
      return switch (state) {
        case TOP -> readTop();
        case ARRAY, ENVELOPE_ARRAY -> readElement();
        case ENVELOPE_REST -> skipRestOfEnvelope();
        case DONE -> false;
      };
    } catch (StreamConstraintsException e) {
      JsonLocation at = e.getLocation();
      queue.atLine(at == null ? null : (long) at.getLineNr());
      queue.reject(QuarantineReason.OVER_LIMIT, reader.limits().describe(e) + "; the rest of the file was not read",
          null, position() + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
      state = State.DONE;
      return false;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      queue.atLine(at == null ? null : (long) at.getLineNr());
      queue.reject(QuarantineReason.MALFORMED_JSON, "malformed JSON" + where + ": "
          + JsonValues.firstLine(e.getOriginalMessage()) + "; the rest of the file was not read", null,
          position() + where);
      state = State.DONE;
      return false;
    } catch (IOException e) {
      queue.atLine(null);
      queue.reject(QuarantineReason.UNREADABLE_FILE, "reading stopped: " + e.getMessage(), null, position());
      state = State.DONE;
      return false;
    }
  }

  private boolean readTop() throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      state = State.DONE;
      return false;
    }
    document++;
    index = 0;
    long line = p.currentTokenLocation().getLineNr();
    queue.atLine(line);
    if (t == JsonToken.START_ARRAY) {
      state = State.ARRAY;
      return true;
    }
    if (t != JsonToken.START_OBJECT) {
      queue.reject(QuarantineReason.UNKNOWN_SHAPE, "a JSON " + JsonValues.describe(t)
          + " is not a trace; expected an object with 'info' or a list of traces", p.getText(), position());
      p.skipChildren();
      return true;
    }
    // Read the object's fields as trees until a "traces" array shows it to be an envelope; else it is one record.
    ObjectNode head = JsonValues.MAPPER.createObjectNode();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ((name.equals("traces") || name.equals("trace_infos")) && value == JsonToken.START_ARRAY) {
        state = State.ENVELOPE_ARRAY;
        return true;
      }
      JsonNode node = p.readValueAsTree();
      head.set(name, node);
    }
    reader.readNode(head, position(), context, queue);
    return true;
  }

  private boolean readElement() throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.END_ARRAY) {
      state = state == State.ENVELOPE_ARRAY ? State.ENVELOPE_REST : State.TOP;
      return true;
    }
    queue.atLine((long) p.currentTokenLocation().getLineNr());
    JsonNode node = p.readValueAsTree();
    reader.readNode(node, position() + ", index " + index, context, queue);
    index++;
    return true;
  }

  private boolean skipRestOfEnvelope() throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      p.nextToken();
      p.skipChildren();
    }
    state = State.TOP;
    return true;
  }

  private String position() {
    return "document " + Math.max(document, 1);
  }

  @Override
  public void close() throws IOException {
    p.close();
  }
}
