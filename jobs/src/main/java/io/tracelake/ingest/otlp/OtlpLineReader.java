package io.tracelake.ingest.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tracelake.ingest.files.DetectedFile;
import io.tracelake.ingest.files.HadoopConfHolder;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.ReadLimits;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/**
 * Reads one OTLP/JSON file as the OpenTelemetry Collector's file exporter writes it: one {@code TracesData} object per
 * line ({@code resourceSpans[].scopeSpans[].spans[]}), gzip or not. Each span becomes an {@link OtlpSpanRows} row of
 * kind {@code span}; a line that is not JSON, a line that is not {@code TracesData} and a span that cannot be read
 * become rows of kind {@code rejection} (the other spans of the line are kept); a line of another signal
 * ({@code resourceMetrics}, {@code resourceLogs}, {@code resourceProfiles}) becomes one row of kind {@code skipped}.
 */
final class OtlpLineReader implements FlatMapFunction<DetectedFile, Row> {

  private static final int READ_BUFFER = 1 << 20;
  private static final List<String> OTHER_SIGNALS = List.of("resourceMetrics", "resourceLogs", "resourceProfiles");

  private final HadoopConfHolder conf;
  private final ReadLimits limits;

  OtlpLineReader(HadoopConfHolder conf, ReadLimits limits) {
    this.conf = conf;
    this.limits = limits;
  }

  /** The file's rows, read a line at a time as Spark asks for them (no task holds a whole file). */
  @Override
  public Iterator<Row> call(DetectedFile file) {
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private final JsonFactory factory = limits.jsonFactory();
      private InputStream in;
      private boolean done;
      private long lineNumber;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && !done) {
          readNextLine();
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }

      private void readNextLine() {
        try {
          if (in == null) {
            Path path = new Path(file.path());
            InputStream raw = new BufferedInputStream(path.getFileSystem(conf.get()).open(path, READ_BUFFER),
                READ_BUFFER);
            in = file.gzip() ? new GZIPInputStream(raw, READ_BUFFER) : raw;
          }
          Line line = Line.read(in, limits.maxRecordBytes());
          if (line == null) {
            finish();
            return;
          }
          lineNumber++;
          if (line.tooLong()) {
            ready.add(OtlpSpanRows.rejection(file.path(), "line " + lineNumber, lineNumber,
                QuarantineReason.OVER_LIMIT, "a line longer than ingest.max_record_mb (" + limits.maxRecordMb()
                    + " MB); not read", line.text(), limits));
          } else if (!line.text().isBlank()) {
            readLine(factory, file.path(), lineNumber, line.text(), ready);
          }
        } catch (IOException e) {
          ready.add(OtlpSpanRows.rejection(file.path(), lineNumber == 0 ? "file" : "after line " + lineNumber, null,
              QuarantineReason.UNREADABLE_FILE, "cannot read: " + e.getMessage(), null, limits));
          finish();
        }
      }

      private void finish() {
        done = true;
        try {
          if (in != null) {
            in.close();
          }
        } catch (IOException ignored) {
          // reading is over; a failure to close a read-only stream loses nothing
        }
      }
    };
  }

  private void readLine(JsonFactory factory, String file, long line, String text, Collection<Row> rows) {
    String position = "line " + line;
    JsonNode data;
    try (JsonParser p = factory.createParser(text)) {
      data = p.readValueAsTree();
      if (p.nextToken() != null) {
        throw new JsonProcessingException("more than one JSON value on the line") {};
      }
    } catch (StreamConstraintsException e) {
      rows.add(OtlpSpanRows.rejection(file, position, line, QuarantineReason.OVER_LIMIT, limits.describe(e), text,
          limits));
      return;
    } catch (IOException e) {
      String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      rows.add(OtlpSpanRows.rejection(file, position, line, QuarantineReason.MALFORMED_JSON,
          JsonValues.firstLine(message), text, limits));
      return;
    }
    if (data == null || !data.isObject() || !data.has("resourceSpans")) {
      for (String signal : OTHER_SIGNALS) {
        if (data != null && data.isObject() && data.has(signal)) {
          rows.add(OtlpSpanRows.skipped(file, position, signal));
          return;
        }
      }
      rows.add(OtlpSpanRows.rejection(file, position, line, QuarantineReason.UNKNOWN_SHAPE,
          "not an OTLP TracesData object (no resourceSpans) in an OTLP/JSON file", text, limits));
      return;
    }
    String notAList = notAList(data);
    if (notAList != null) {
      rows.add(OtlpSpanRows.rejection(file, position, line, QuarantineReason.UNKNOWN_SHAPE,
          "not an OTLP TracesData object: " + notAList + " is not a list", text, limits));
      return;
    }
    int index = 0;
    for (JsonNode resource : iterable(data.get("resourceSpans"))) {
      for (JsonNode scope : iterable(scopes(resource))) {
        for (JsonNode span : iterable(scope.get("spans"))) {
          String spanPosition = position + ", span " + index++;
          try {
            rows.add(OtlpSpanRows.span(OtlpSpan.of(span), file, spanPosition));
          } catch (OtlpSpan.InvalidSpanException e) {
            rows.add(OtlpSpanRows.rejection(file, spanPosition, line, QuarantineReason.INVALID_FIELD,
                "invalid span: " + e.getMessage(), span.toString(), limits));
          }
        }
      }
    }
  }

  /** The scope spans of a resource: {@code scopeSpans}, or {@code instrumentationLibrarySpans} before OTLP 0.15. */
  private static JsonNode scopes(JsonNode resource) {
    return resource.has("scopeSpans") ? resource.get("scopeSpans") : resource.get("instrumentationLibrarySpans");
  }

  /** The first level of {@code resourceSpans → scopeSpans → spans} that is present but not a list; null if none. */
  private static String notAList(JsonNode data) {
    if (!isListOrAbsent(data.get("resourceSpans"))) {
      return "resourceSpans";
    }
    for (JsonNode resource : iterable(data.get("resourceSpans"))) {
      if (!resource.isObject() || !isListOrAbsent(scopes(resource))) {
        return "resourceSpans[].scopeSpans";
      }
      for (JsonNode scope : iterable(scopes(resource))) {
        if (!scope.isObject() || !isListOrAbsent(scope.get("spans"))) {
          return "scopeSpans[].spans";
        }
      }
    }
    return null;
  }

  private static boolean isListOrAbsent(JsonNode node) {
    return node == null || node.isNull() || node.isArray();
  }

  private static Iterable<JsonNode> iterable(JsonNode node) {
    return node != null && node.isArray() ? node : List.of();
  }

  /** One line of a file, read up to a byte limit (the rest of a longer line is skipped, not held). */
  private record Line(String text, boolean tooLong) {

    static Line read(InputStream in, long maxBytes) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      boolean tooLong = false;
      int b;
      boolean any = false;
      while ((b = in.read()) != -1) {
        any = true;
        if (b == '\n') {
          break;
        }
        if (bytes.size() < maxBytes) {
          bytes.write(b);
        } else {
          tooLong = true;
        }
      }
      if (!any) {
        return null;
      }
      return new Line(bytes.toString(StandardCharsets.UTF_8), tooLong);
    }
  }
}
