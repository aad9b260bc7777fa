package io.tracelake.ingest.files;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tracelake.ingest.mlflow.JsonValues;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Finds a file's {@link FileShape} from its first bytes: gzip by magic number (then looks inside), Parquet by its
 * {@code PAR1} magic, JSON by its first value. A first value that is an object ending on the line it starts on means
 * JSON lines; an array means a JSON array; an object whose top-level keys include {@code traces} means the search
 * envelope; an object whose top-level keys include {@code resourceSpans} (or another OTLP signal) means OTLP/JSON;
 * one with {@code mlflow} is mlflow-export-import's {@code trace.json};
 * any other object spanning lines means pretty-printed documents. The Collector's binary proto output is named as
 * such and not read. Reads no more than the first value (and
 * stops at the first key of an envelope or the first bracket of an array), so large files cost little here.
 */
public final class ShapeDetector {

  private static final int BUFFER = 1 << 16;
  /** The top-level key of an OTLP/JSON line, by signal: traces are read, the others skipped line by line. */
  private static final java.util.Set<String> OTLP_SIGNALS = java.util.Set.of("resourceSpans", "resourceMetrics",
      "resourceLogs", "resourceProfiles");

  private ShapeDetector() {}

  public static DetectedFile detect(FileSystem fs, FileStatus status) {
    String path = status.getPath().toString();
    long length = status.getLen();
    if (length == 0) {
      return new DetectedFile(path, length, FileShape.EMPTY, false, "0 bytes");
    }
    boolean gzip = false;
    try (InputStream raw = new BufferedInputStream(fs.open(status.getPath()), BUFFER)) {
      raw.mark(8);
      byte[] magic = raw.readNBytes(4);
      raw.reset();
      gzip = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
      if (!gzip && magic.length == 4 && magic[0] == 'P' && magic[1] == 'A' && magic[2] == 'R' && magic[3] == '1') {
        return new DetectedFile(path, length, FileShape.PARQUET, false, null);
      }
      InputStream data = gzip ? new GZIPInputStream(raw, BUFFER) : raw;
      if (!data.markSupported()) {
        data = new BufferedInputStream(data, BUFFER);
      }
      data.mark(8);
      byte[] head = data.readNBytes(5);
      data.reset();
      if (looksLikeOtlpProto(head)) {
        return new DetectedFile(path, length, FileShape.NOT_AN_EXPORT, gzip, "an OpenTelemetry Collector file "
            + "exporter's proto output; only its JSON output is read (set the exporter's format: json)");
      }
      return new DetectedFile(path, length, detectJson(data), gzip, null);
    } catch (JsonProcessingException e) {
      return new DetectedFile(path, length, FileShape.NOT_AN_EXPORT, gzip,
          "not JSON or Parquet: " + JsonValues.firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      return new DetectedFile(path, length, FileShape.UNREADABLE, gzip,
          (gzip ? "cannot read gzip data: " : "cannot read: ") + e.getMessage());
    }
  }

  /**
   * The Collector file exporter's {@code format: proto}: each message is preceded by its length as a 4-byte big-endian
   * number, and a {@code TracesData} (or metrics, logs) message starts with field 1, length-delimited: byte 0x0A.
   * JSON never starts with a zero byte.
   */
  private static boolean looksLikeOtlpProto(byte[] head) {
    return head.length == 5 && head[0] == 0 && head[4] == 0x0A;
  }

  private static FileShape detectJson(InputStream data) throws IOException {
    try (JsonParser p = JsonValues.FACTORY.createParser(data)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return FileShape.EMPTY;
      }
      if (first == JsonToken.START_ARRAY) {
        return FileShape.JSON_ARRAY;
      }
      if (first != JsonToken.START_OBJECT) {
        throw new NotAnExport("the first JSON value is a " + JsonValues.describe(first)
            + ", not an object or array");
      }
      int startLine = p.currentTokenLocation().getLineNr();
      try {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          if (p.currentName().equals("traces") || p.currentName().equals("trace_infos")) {
            return FileShape.SEARCH_ENVELOPE;
          }
          if (OTLP_SIGNALS.contains(p.currentName())) {
            return FileShape.OTLP_JSON;
          }
          if (p.currentName().equals(ExportImportTrace.WRAPPER)) {
            return FileShape.EXPORT_IMPORT;
          }
          p.nextToken();
          p.skipChildren();
        }
        return p.currentLocation().getLineNr() == startLine ? FileShape.JSON_LINES : FileShape.JSON_DOCUMENT;
      } catch (JsonProcessingException e) {
        // A broken first record: line-by-line reading quarantines it and goes on, if it sits on one line.
        return e.getLocation() != null && e.getLocation().getLineNr() == startLine
            ? FileShape.JSON_LINES : FileShape.JSON_DOCUMENT;
      }
    }
  }

  /** The first value is JSON but cannot start an export. */
  private static final class NotAnExport extends JsonProcessingException {
    NotAnExport(String message) {
      super(message);
    }
  }
}
