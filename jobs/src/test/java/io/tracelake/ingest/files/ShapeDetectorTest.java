package io.tracelake.ingest.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;

class ShapeDetectorTest {

  private static DetectedFile detect(Path path) throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    return ShapeDetector.detect(fs, fs.getFileStatus(new org.apache.hadoop.fs.Path(path.toString())));
  }

  private static DetectedFile detect(String content) throws IOException {
    Path file = SharedSpark.tempDir("shape").resolve("input");
    Files.writeString(file, content);
    return detect(file);
  }

  @Test
  void detectsEachFixtureShape() throws IOException {
    assertEquals("jsonl", detect(SharedSpark.fixture("mlflow3.jsonl")).label());
    assertEquals("json-array", detect(SharedSpark.fixture("mlflow3_early_spans.json")).label());
    assertEquals("jsonl.gz", detect(SharedSpark.fixture("mlflow3_5_0.jsonl.gz")).label());
    assertEquals("search-envelope", detect(SharedSpark.fixture("search_envelope.json")).label());
    assertEquals("json-document", detect(SharedSpark.fixture("rest_proto.json")).label());
    assertEquals("jsonl", detect(SharedSpark.fixture("search_traces_frame.jsonl")).label());
    assertEquals("jsonl", detect(SharedSpark.fixture("bad_records.jsonl")).label());
    assertEquals("not-an-export", detect(SharedSpark.fixture("not_an_export.txt")).label());
    assertEquals(FileShape.UNREADABLE, detect(SharedSpark.fixture("corrupt.jsonl.gz")).shape());
  }

  @Test
  void oneLineFileIsJsonLinesAndBrokenFirstLineStaysJsonLines() throws IOException {
    assertEquals(FileShape.JSON_LINES, detect("{\"info\": {}}").shape());
    assertEquals(FileShape.JSON_LINES, detect("{\"info\": ]\n{\"info\": {}}\n").shape());
  }

  @Test
  void emptyAndBlankFilesAreEmpty() throws IOException {
    assertEquals(FileShape.EMPTY, detect("").shape());
    assertEquals(FileShape.EMPTY, detect("  \n\n ").shape());
  }

  @Test
  void scalarsAndTextAreNotExports() throws IOException {
    DetectedFile text = detect("hello world");
    assertEquals(FileShape.NOT_AN_EXPORT, text.shape());
    assertTrue(text.note().startsWith("not JSON or Parquet"), text.note());
    assertEquals(FileShape.NOT_AN_EXPORT, detect("42\n43\n").shape());
  }

  /**
   * The OpenTelemetry Collector's file exporter: {@code format: json} writes one OTLP/JSON object per line (any
   * signal); {@code format: proto} writes each message after its length as 4 big-endian bytes.
   */
  @Test
  void otlpJsonLinesAreOtlpAndTheProtoOutputIsNamed() throws IOException {
    assertEquals(FileShape.OTLP_JSON, detect("{\"resourceSpans\": [{\"scopeSpans\": []}]}\n").shape());
    assertEquals(FileShape.OTLP_JSON, detect("{\"resourceMetrics\": []}\n{\"resourceSpans\": []}\n").shape());
    Path proto = SharedSpark.tempDir("shape").resolve("traces.pb");
    Files.write(proto, new byte[] {0, 0, 0, 3, 0x0A, 0x01, 0x00});
    DetectedFile detected = detect(proto);
    assertEquals(FileShape.NOT_AN_EXPORT, detected.shape());
    assertTrue(detected.note().contains("proto output; only its JSON output is read"), detected.note());
  }
}
