package io.tracelake.ingest.files;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads one trace exported by mlflow-export-import ({@code mlflow_export_import/trace/export_trace.py}): its
 * {@code trace.json} holds {@code {"system": {…}, "mlflow": {"info": <TraceInfo fields>, "data": <span stubs>}}} and
 * the trace's artifacts, downloaded beside it, hold the spans in {@code artifacts/traces.json} ({@code {"spans": […]}},
 * MLflow 2 with {@code request} and {@code response}). The two become one {@code Trace.to_json()}-shaped record for
 * the record reader: {@code info} from the first, {@code data} from the second. A trace whose
 * {@code artifacts/traces.json} is missing is read from its info alone (span count from its size statistics); one
 * whose {@code artifacts/traces.json} cannot be read is quarantined whole, so that no trace lands without its spans
 * unnoticed.
 */
final class ExportImportTrace implements RecordCursor {

  /** The key mlflow-export-import wraps what it exports in ({@code ExportFields.MLFLOW}). */
  static final String WRAPPER = "mlflow";
  private static final String TRACE_FILE = "trace.json";
  private static final String SPANS_FILE = "traces.json";
  private static final String ARTIFACTS = "artifacts";

  private final DetectedFile file;
  private final Configuration conf;
  private final TraceRecordReader reader;
  private final RecordContext context;
  private final RowQueue queue;
  private boolean done;

  ExportImportTrace(DetectedFile file, Configuration conf, TraceRecordReader reader, RecordContext context,
      RowQueue queue) {
    this.file = file;
    this.conf = conf;
    this.reader = reader;
    this.context = context;
    this.queue = queue;
  }

  /**
   * The spans file of an exported trace folder ({@code <id>/artifacts/traces.json} beside {@code <id>/trace.json}),
   * which is read with its {@code trace.json} and so is not an input of its own.
   */
  static boolean isSpansOfAFolderTrace(FileSystem fs, FileStatus status) throws IOException {
    Path path = status.getPath();
    Path artifacts = path.getParent();
    return path.getName().equals(SPANS_FILE) && artifacts != null && artifacts.getName().equals(ARTIFACTS)
        && artifacts.getParent() != null && fs.exists(new Path(artifacts.getParent(), TRACE_FILE));
  }

  @Override
  public boolean advance() {
    if (done) {
      return false;
    }
    done = true;
    Path tracePath = new Path(file.path());
    JsonNode exported;
    try {
      exported = readTree(tracePath);
    } catch (StreamConstraintsException e) {
      queue.reject(QuarantineReason.OVER_LIMIT, reader.limits().describe(e), null, "file");
      return false;
    } catch (IOException e) {
      queue.reject(QuarantineReason.MALFORMED_JSON, message(e), null, "file");
      return false;
    }
    JsonNode mlflow = exported.get(WRAPPER);
    if (mlflow == null || !mlflow.isObject() || !mlflow.path("info").isObject()) {
      queue.reject(QuarantineReason.UNKNOWN_SHAPE, "an mlflow-export-import file without a trace: 'mlflow.info' is "
          + "not an object", exported.toString(), "file");
      return false;
    }
    ObjectNode record = JsonValues.MAPPER.createObjectNode();
    record.set("info", mlflow.get("info"));
    Path spansPath = new Path(new Path(tracePath.getParent(), ARTIFACTS), SPANS_FILE);
    try {
      FileSystem fs = spansPath.getFileSystem(conf);
      if (fs.exists(spansPath)) {
        JsonNode data = readTree(spansPath);
        if (!data.isObject()) {
          queue.reject(QuarantineReason.UNKNOWN_SHAPE, spansPath + " is not an object of spans", null, "file");
          return false;
        }
        record.set("data", data);
      }
    } catch (StreamConstraintsException e) {
      queue.reject(QuarantineReason.OVER_LIMIT, spansPath + ": " + reader.limits().describe(e), null, "file");
      return false;
    } catch (IOException e) {
      queue.reject(QuarantineReason.MALFORMED_JSON, spansPath + ": " + message(e), null, "file");
      return false;
    }
    try {
      reader.readNode(record, "file", context, queue);
    } catch (IOException e) {
      queue.reject(QuarantineReason.MALFORMED_JSON, message(e), null, "file");
    }
    return false;
  }

  private JsonNode readTree(Path path) throws IOException {
    try (InputStream in = path.getFileSystem(conf).open(path); JsonParser p = reader.factory().createParser(in)) {
      JsonNode node = p.readValueAsTree();
      if (node == null) {
        throw new IOException("empty file");
      }
      return node;
    }
  }

  private static String message(IOException e) {
    return JsonValues.firstLine(e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
  }

  @Override
  public void close() {
    // every stream is closed where it is opened
  }
}
