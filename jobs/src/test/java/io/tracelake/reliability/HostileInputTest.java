package io.tracelake.reliability;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Files a hostile or careless exporter writes, all in one input folder: every good record loads, every bad one is
 * quarantined with its reason (one row each, even through a symbolic-link loop), nothing escapes as an exception.
 */
class HostileInputTest {

  private static final String BIG_RESPONSE_ID = "tr-big-40mb";
  private static SparkSession spark;
  private static Path warehouse;
  private static IngestSummary summary;
  /** File name → the reasons its records must be quarantined with. */
  private static final Map<String, List<String>> EXPECTED_REJECTIONS = new HashMap<>();
  private static final Set<String> EXPECTED_TRACES = new TreeSet<>();

  private static String trace(String id, String extraInfo) {
    return "{\"info\": {\"trace_id\": \"" + id + "\", \"request_time\": \"2025-12-01T10:00:00Z\", \"state\": \"OK\","
        + " \"execution_duration_ms\": 10, \"trace_metadata\": {\"mlflow.trace.user\": \"u1\"}" + extraInfo + "}}";
  }

  private static String good(String id) {
    EXPECTED_TRACES.add(id);
    return trace(id, "");
  }

  private static void write(Path dir, String name, byte[] bytes, String... reasons) throws IOException {
    Files.write(dir.resolve(name), bytes);
    if (reasons.length > 0) {
      EXPECTED_REJECTIONS.put(name, List.of(reasons));
    }
  }

  private static void write(Path dir, String name, String text, String... reasons) throws IOException {
    write(dir, name, text.getBytes(StandardCharsets.UTF_8), reasons);
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  @BeforeAll
  static void ingestTheHostileFolder() throws IOException {
    spark = SharedSpark.session();
    Path in = SharedSpark.tempDir("hostile-in");
    write(in, "bom-crlf.jsonl", "\uFEFF" + good("tr-bom") + "\r\n" + good("tr-crlf") + "\r\n");
    ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
    utf8.write((good("tr-utf8-before") + "\n").getBytes(StandardCharsets.UTF_8));
    utf8.write("{\"info\": {\"trace_id\": \"tr-x\u0000".getBytes(StandardCharsets.UTF_8));
    utf8.write(new byte[] {(byte) 0xff, (byte) 0xfe, '"', '}', '}', '\n'});
    utf8.write(new byte[] {0, 0, 0, '\n'});
    utf8.write((good("tr-utf8-after") + "\n").getBytes(StandardCharsets.UTF_8));
    write(in, "invalid-utf8-and-nul.jsonl", utf8.toByteArray(), "malformed_json", "malformed_json");
    String deep = "[".repeat(5000) + "]".repeat(5000);
    write(in, "deep.jsonl", good("tr-deep-before") + "\n" + trace("tr-deep", ", \"x\": " + deep) + "\n"
        + good("tr-deep-after") + "\n", "over_limit");
    write(in, "types.jsonl", String.join("\n",
        "{\"info\": {\"trace_id\": 12345, \"request_time\": \"2025-12-01T10:00:00Z\"}}",
        trace("tr-object-state", ", \"state\": {\"a\": 1}").replace("\"state\": \"OK\",", ""),
        "{\"info\": null}",
        trace("tr-overflow", ", \"execution_duration_ms\": 1e400").replace("\"execution_duration_ms\": 10,", ""),
        "{\"info\": {\"trace_id\": \"tr-year\", \"request_time\": \"+99999-01-01T00:00:00Z\"}}",
        good("tr-twice"),
        trace("tr-twice", ", \"tags\": {\"later\": \"yes\"}")) + "\n",
        "invalid_field", "invalid_field", "unknown_shape", "invalid_field", "invalid_request_time");
    String response = "\"" + "x".repeat(40_000_000) + "\"";
    write(in, "big.jsonl", "{\"info\": {\"trace_id\": \"" + BIG_RESPONSE_ID + "\", \"request_time\": "
        + "\"2025-12-01T10:00:00Z\", \"state\": \"OK\"}, \"data\": {\"spans\": [{\"name\": \"root\", \"span_id\": "
        + "\"a\", \"parent_span_id\": null, \"attributes\": {\"mlflow.spanOutputs\": " + quote(response)
        + "}}]}}\n" + good("tr-after-big") + "\n");
    EXPECTED_TRACES.add(BIG_RESPONSE_ID);
    write(in, "empty.jsonl", "");
    write(in, "whitespace.jsonl", "   \n\n \t \n");
    write(in, "empty.jsonl.gz", gzip(""));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      many.append(trace("tr-gz-" + i, "")).append('\n');
    }
    byte[] whole = gzip(many.toString());
    write(in, "cut.jsonl.gz", Arrays.copyOf(whole, whole.length / 2), "unreadable_file");
    byte[] garbage = new byte[400];
    new Random(7).nextBytes(garbage);
    garbage[0] = 0x1f;
    garbage[1] = (byte) 0x8b;
    write(in, "garbage.gz", garbage, "unreadable_file");
    write(in, "array-then-garbage.json", "[" + good("tr-array-1") + ", " + good("tr-array-2") + "] trailing {",
        "malformed_json");
    Path loop = Files.createDirectories(in.resolve("loop"));
    write(loop, "in-loop.jsonl", good("tr-in-loop") + "\n{bad\n", "malformed_json");
    Files.createSymbolicLink(loop.resolve("up"), in);

    warehouse = SharedSpark.tempDir("hostile-wh");
    summary = IngestJob.run(spark, ConfigLoader.defaults(),
        new IngestJob.Options(List.of(in.toString()), warehouse.toString(), null));
  }

  private static String quote(String json) {
    return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Dataset<Row> table(String name) {
    return spark.read().format("delta").load(warehouse.resolve(name).toString());
  }

  @Test
  void everyGoodRecordAroundTheBadOnesLoads() {
    Set<String> ids = new TreeSet<>();
    for (Row r : table("traces").select("trace_id").collectAsList()) {
      ids.add(r.getString(0));
    }
    for (String id : EXPECTED_TRACES) {
      assertTrue(ids.contains(id), id + " loaded");
    }
    assertTrue(ids.stream().filter(i -> i.startsWith("tr-gz-")).count() > 100, "records before the gzip cut kept");
    assertTrue(ids.stream().noneMatch(i -> i.equals("12345") || i.equals("tr-year") || i.equals("tr-deep")));
  }

  @Test
  void everyBadRecordIsQuarantinedOnceWithItsReason() {
    Map<String, List<String>> actual = new HashMap<>();
    for (Row r : table("traces_quarantine").select("source_file", "reason", "line_number")
        .orderBy(col("source_file"), col("line_number")).collectAsList()) {
      String file = r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1);
      actual.computeIfAbsent(file, k -> new ArrayList<>()).add(r.getString(1));
    }
    assertEquals(EXPECTED_REJECTIONS, actual, "one quarantine row per bad record, none repeated through the loop");
  }

  @Test
  void aDuplicateWithinOneFileKeepsTheFresherVersion() {
    Row twice = table("traces").where(col("trace_id").equalTo("tr-twice")).first();
    assertEquals("yes", twice.getJavaMap(twice.fieldIndex("tags")).get("later"), "more tags is fresher");
    assertEquals(1, table("traces").where(col("trace_id").equalTo("tr-twice")).count());
  }

  @Test
  void aFortyMegabyteResponseLoadsWhole() {
    Row big = table("traces").where(col("trace_id").equalTo(BIG_RESPONSE_ID))
        .selectExpr("length(response)").first();
    assertEquals(40_000_002, big.getInt(0), "the JSON text of the 40 MB string, quotes included");
  }

  @Test
  void theCountsAddUp() {
    assertEquals(summary.recordsRead(), summary.tracesParsed() + summary.quarantined());
    assertEquals(summary.tracesParsed() - summary.duplicatesInInput(), table("traces").count());
    assertEquals(summary.quarantined(), table("traces_quarantine").count());
  }
}
