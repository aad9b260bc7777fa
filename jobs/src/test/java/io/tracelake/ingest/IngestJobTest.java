package io.tracelake.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.delta.tables.DeltaTable;
import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ingest end to end: fixture exports of every shape into real Delta tables. */
class IngestJobTest {

  private static SparkSession spark;
  private static Path fixtures;
  private static Path warehouse;
  private static IngestSummary first;

  @BeforeAll
  static void ingestAllFixtures() throws IOException {
    spark = SharedSpark.session();
    fixtures = SharedSpark.fixture("");
    warehouse = SharedSpark.tempDir("wh-fixtures");
    first = ingest(ConfigLoader.defaults(), warehouse, fixtures.toString());
  }

  static IngestSummary ingest(TracelakeConfig config, Path warehouse, String... inputs) {
    return IngestJob.run(spark, config, new IngestJob.Options(List.of(inputs), warehouse.toString(), null));
  }

  /** Reads the inputs again even where an earlier ingest read them unchanged ({@code --reread}). */
  static IngestSummary reread(Path warehouse, String... inputs) {
    return IngestJob.run(spark, ConfigLoader.defaults(),
        new IngestJob.Options(List.of(inputs), warehouse.toString(), null, true));
  }

  static Dataset<Row> table(Path warehouse, String name) {
    return spark.read().format("delta").load(warehouse.resolve(name).toString());
  }

  @Test
  void everyShapeLandsInTheTracesTable() {
    assertEquals(16, table(warehouse, "traces").count());
    assertEquals(16, first.inserted());
    Map<String, Long> expectedShapes = new TreeMap<>(Map.of("jsonl", 4L, "jsonl.gz", 1L, "json-array", 1L,
        "search-envelope", 1L, "json-document", 1L, "not-an-export", 1L, "unreadable.gz", 1L));
    assertEquals(expectedShapes, first.filesByShape());
  }

  @Test
  void canonicalColumnsAreResolvedFromMetadata() {
    StructType schema = new StructType()
        .add("trace_id", DataTypes.StringType, false)
        .add("user_id", DataTypes.StringType)
        .add("session_id", DataTypes.StringType)
        .add("environment", DataTypes.StringType)
        .add("app_version", DataTypes.StringType)
        .add("deployment_id", DataTypes.StringType)
        .add("state", DataTypes.StringType, false)
        .add("execution_duration_ms", DataTypes.LongType)
        .add("request_date", DataTypes.StringType, false);
    Dataset<Row> expected = spark.createDataFrame(List.of(
        RowFactory.create("tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01", "user-42", "session-7", "LOCAL", "1.4.2",
            "prod-eu-1", "OK", 1532L, "2025-04-15"),
        RowFactory.create("tr-00000000000000000000000000000002", "user-42", "session-7", "staging", "1.5.0", null,
            "ERROR", 250L, "2025-04-15"),
        RowFactory.create("tr-00000000000000000000000000000003", "user-7", null, null, null, null, "IN_PROGRESS",
            null, "2025-04-16"),
        RowFactory.create("tr-0000000000000000000000000000a001", "user-rest", null, "production", null, null, "OK",
            32583L, "2025-08-01")), schema);
    Dataset<Row> actual = table(warehouse, "traces")
        .where(col("trace_id").isin("tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01", "tr-00000000000000000000000000000002",
            "tr-00000000000000000000000000000003", "tr-0000000000000000000000000000a001"))
        .select(col("trace_id"), col("user_id"), col("session_id"), col("environment"), col("app_version"),
            col("deployment_id"), col("state"), col("execution_duration_ms"),
            col("request_date").cast("string").as("request_date"));
    // The values compared, the table's column comments aside.
    SharedSpark.frames().assertDataFrameNoOrderEquals(expected, spark.createDataFrame(actual.javaRDD(), schema));
  }

  @Test
  void tableSchemaIsTheDeclaredOne() {
    StructType stored = table(warehouse, "traces").schema();
    assertEquals(TraceSchemas.TRACES.fieldNames().length, stored.fieldNames().length);
    assertEquals(List.of(TraceSchemas.TRACES.fieldNames()), List.of(stored.fieldNames()));
  }

  @Test
  void everyQuarantineReasonIsRecordedWithItsLine() {
    List<Row> rows = table(warehouse, "traces_quarantine")
        .select("source_file", "line_number", "reason", "position").orderBy("source_file", "line_number")
        .collectAsList();
    Map<String, Long> byReason = new TreeMap<>();
    rows.forEach(r -> byReason.merge(r.getString(2), 1L, Long::sum));
    assertEquals(Map.of("malformed_json", 1L, "missing_trace_id", 1L, "missing_request_time", 1L,
        "invalid_request_time", 1L, "invalid_field", 2L, "unknown_shape", 2L, "not_an_export", 1L,
        "unreadable_file", 1L), byReason);
    List<String> badLines = rows.stream().filter(r -> r.getString(0).endsWith("bad_records.jsonl"))
        .map(r -> r.getLong(1) + ":" + r.getString(2)).toList();
    assertEquals(List.of("2:malformed_json", "3:missing_trace_id", "4:missing_request_time",
        "5:invalid_request_time", "6:invalid_field", "7:unknown_shape", "9:invalid_field", "10:unknown_shape"),
        badLines);
    assertEquals(10, first.quarantined());
  }

  @Test
  void quarantineKeepsTheRawText() {
    Row malformed = table(warehouse, "traces_quarantine").where(col("reason").equalTo("malformed_json")).first();
    assertEquals("{\"info\": {\"trace_id\": \"tr-broken\", \"request_time\": ", malformed.getAs("raw"));
    assertEquals(Boolean.FALSE, malformed.getAs("raw_truncated"));
    Row notExport = table(warehouse, "traces_quarantine").where(col("reason").equalTo("not_an_export")).first();
    assertTrue(((String) notExport.getAs("raw")).startsWith("This is a README"));
  }

  @Test
  void reingestingTheSameInputChangesNothing() {
    long versionBefore = lastVersion("traces");
    long quarantineVersionBefore = lastVersion("traces_quarantine");
    IngestSummary again = reread(warehouse, fixtures.toString());
    assertEquals(0, again.inserted());
    assertEquals(0, again.updated());
    assertEquals(16, again.unchanged());
    assertEquals(16, table(warehouse, "traces").count());
    assertEquals(10, table(warehouse, "traces_quarantine").count());
    assertEquals(versionBefore, lastVersion("traces"), "no new commit to traces");
    assertTrue(lastVersion("traces_quarantine") <= quarantineVersionBefore + 1);
  }

  @Test
  void filesAnEarlierIngestReadUnchangedAreSkippedAndAChangedOneIsReadAgain() throws IOException {
    Path wh = SharedSpark.tempDir("wh-skip");
    Path dir = SharedSpark.tempDir("in-skip");
    Path one = Files.copy(SharedSpark.fixture("mlflow3.jsonl"), dir.resolve("one.jsonl"));
    Files.writeString(dir.resolve("two.jsonl"), "{\"info\": {\"trace_id\": \"tr-two\", \"request_time\": "
        + "\"2025-03-01T10:00:00Z\", \"state\": \"OK\"}}\n");
    IngestSummary first = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(2, first.filesRead());
    long tracesVersion = DeltaTable.forPath(spark, wh.resolve("traces").toString()).history(1).first()
        .<Long>getAs("version");

    IngestSummary again = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(0, again.filesRead(), "nothing parsed again");
    assertEquals(2, again.filesSkipped());
    assertEquals(tracesVersion, DeltaTable.forPath(spark, wh.resolve("traces").toString()).history(1).first()
        .<Long>getAs("version"), "no commit to traces");

    Files.writeString(one, "{\"info\": {\"trace_id\": \"tr-new\", \"request_time\": \"2025-03-02T10:00:00Z\", "
        + "\"state\": \"OK\"}}\n", java.nio.file.StandardOpenOption.APPEND);
    Files.setLastModifiedTime(one, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5)));
    IngestSummary changed = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(1, changed.filesRead(), "only the changed file");
    assertEquals(1, changed.filesSkipped());
    assertEquals(1, changed.inserted());
    assertEquals(2, reread(wh, dir.toString()).filesRead(), "--reread reads every file");
  }

  @Test
  void anIdentityColumnNullInEveryTraceWithMetadataGivesAWarningThatNamesItsKey() throws IOException {
    Path wh = SharedSpark.tempDir("wh-warn");
    Path dir = SharedSpark.tempDir("in-warn");
    Files.writeString(dir.resolve("a.jsonl"), "{\"info\": {\"trace_id\": \"tr-w\", \"request_time\": "
        + "\"2025-03-01T10:00:00Z\", \"state\": \"OK\", \"trace_metadata\": {\"customer\": \"c-1\", "
        + "\"mlflow.trace.session\": \"s-1\"}}}\n");
    IngestSummary s = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(1, s.warnings().size(), s.warnings().toString());
    assertTrue(s.warnings().get(0).contains("columns.user_id.metadata"), s.warnings().get(0));
    assertTrue(s.render().contains("WARNING"));
    Path wh2 = SharedSpark.tempDir("wh-warn-mapped");
    IngestSummary mapped = ingest(ConfigLoader.load(null, Map.of("columns.user_id.metadata", "[customer]")), wh2,
        dir.toString());
    assertEquals(List.of(), mapped.warnings(), "mapped to the key the export uses: no warning");
  }

  private static long lastVersion(String name) {
    return DeltaTable.forPath(spark, warehouse.resolve(name).toString()).history(1).first().getAs("version");
  }

  @Test
  void fresherVersionOfATraceReplacesTheStoredOneAndOlderDoesNot() throws IOException {
    Path wh = SharedSpark.tempDir("wh-fresh");
    Path dir = SharedSpark.tempDir("in-fresh");
    String base = "{\"info\": {\"trace_id\": \"tr-fresh\", \"request_time\": \"2025-03-01T10:00:00Z\", ";
    Path inProgress = Files.writeString(dir.resolve("a.jsonl"), base + "\"state\": \"IN_PROGRESS\"}}\n");
    Path done = Files.writeString(dir.resolve("b.jsonl"), base + "\"state\": \"OK\", \"execution_duration_ms\": 9,"
        + " \"assessments\": [{\"assessment_name\": \"thumbs\", \"feedback\": {\"value\": 1.0},"
        + " \"create_time\": \"2025-03-02T00:00:00Z\"}]}}\n");
    assertEquals(1, ingest(ConfigLoader.defaults(), wh, inProgress.toString()).inserted());
    IngestSummary update = ingest(ConfigLoader.defaults(), wh, done.toString());
    assertEquals(1, update.updated());
    IngestSummary stale = reread(wh, inProgress.toString());
    assertEquals(1, stale.unchanged());
    Row row = table(wh, "traces").first();
    assertEquals("OK", row.getAs("state"));
    assertEquals(9L, (Long) row.getAs("execution_duration_ms"));
    assertEquals(1, row.getList(row.fieldIndex("assessments")).size());
  }

  @Test
  void duplicatesWithinOneInputBecomeOneRow() throws IOException {
    Path wh = SharedSpark.tempDir("wh-dup");
    Path dir = SharedSpark.tempDir("in-dup");
    Files.copy(SharedSpark.fixture("mlflow3.jsonl"), dir.resolve("one.jsonl"));
    Files.copy(SharedSpark.fixture("mlflow3.jsonl"), dir.resolve("two.jsonl"));
    IngestSummary s = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(6, s.tracesParsed());
    assertEquals(3, s.duplicatesInInput());
    assertEquals(3, table(wh, "traces").count());
  }

  @Test
  void configOverridesChooseTheMetadataKeys() {
    Path wh = SharedSpark.tempDir("wh-conf");
    TracelakeConfig config = ConfigLoader.load(null, Map.of("columns.user_id.metadata", "[mlflow.user]",
        "columns.environment.metadata", "[deployment_id]"));
    ingest(config, wh, SharedSpark.fixture("mlflow3.jsonl").toString());
    Row row = table(wh, "traces").where(col("trace_id").equalTo("tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01")).first();
    assertEquals("alice", row.getAs("user_id"));
    assertEquals("prod-eu-1", row.getAs("environment"));
  }

  @Test
  void openTelemetryRootSpanAttributesAreFallbacks() throws IOException {
    Path wh = SharedSpark.tempDir("wh-otel");
    Path in = SharedSpark.tempDir("in-otel").resolve("otel.jsonl");
    Files.writeString(in, "{\"info\": {\"trace_id\": \"tr-otel\", \"request_time\": \"2025-01-01T00:00:00Z\","
        + " \"trace_metadata\": {\"mlflow.trace.user\": \"\"}}, \"data\": {\"spans\": [{\"parent_span_id\": null,"
        + " \"attributes\": {\"user.id\": \"\\\"otel-user\\\"\", \"gen_ai.conversation.id\": \"\\\"conv-1\\\"\"}}]}}\n");
    ingest(ConfigLoader.defaults(), wh, in.toString());
    Row row = table(wh, "traces").first();
    assertEquals("otel-user", row.getAs("user_id"));
    assertEquals("conv-1", row.getAs("session_id"));
  }

  @Test
  void byteRangeSplitsReadEveryLineOnceAndNumberLinesInTheFile() throws IOException {
    Path dir = SharedSpark.tempDir("in-split");
    Path file = dir.resolve("big.jsonl");
    StringBuilder sb = new StringBuilder();
    String padding = "x".repeat(900);
    int lines = 6000;
    for (int i = 1; i <= lines; i++) {
      if (i % 997 == 0) {
        sb.append("{broken line ").append(i).append('\n');
      } else if (i % 1499 == 0) {
        sb.append('\n');
      } else {
        sb.append("{\"info\": {\"trace_id\": \"tr-").append(i).append("\", \"request_time\": \"2025-01-01T00:00:00Z\",")
            .append(" \"tags\": {\"pad\": \"").append(padding).append("\"}}}\n");
      }
    }
    Files.writeString(file, sb.toString());
    assertTrue(Files.size(file) > 5 << 20, "the file spans several 1 MB ranges");
    Path wh = SharedSpark.tempDir("wh-split");
    TracelakeConfig oneMb = ConfigLoader.load(null, Map.of("ingest.split_size_mb", "1"));
    IngestSummary s = ingest(oneMb, wh, file.toString());
    long broken = lines / 997;
    long blank = lines / 1499;
    assertEquals(lines - broken - blank, s.inserted());
    assertEquals(lines - broken - blank, table(wh, "traces").select("trace_id").distinct().count());
    List<Long> badLines = table(wh, "traces_quarantine").orderBy("line_number").select("line_number")
        .collectAsList().stream().map(r -> r.getLong(0)).toList();
    assertEquals(List.of(997L, 1994L, 2991L, 3988L, 4985L, 5982L), badLines);
    List<String> positions = table(wh, "traces_quarantine").orderBy("line_number").select("position")
        .collectAsList().stream().map(r -> r.getString(0)).toList();
    assertEquals("line 1994", positions.get(1));
  }

  @Test
  void gzipAndSearchTracesParquetAreRead() throws IOException {
    Path dir = SharedSpark.tempDir("in-parquet");
    String trace = Files.readAllLines(SharedSpark.fixture("mlflow3.jsonl")).get(0);
    StructType frame = new StructType()
        .add("trace_id", DataTypes.StringType)
        .add("trace", DataTypes.StringType)
        .add("request_time", DataTypes.LongType)
        .add("execution_duration", DataTypes.DoubleType)
        .add("trace_metadata", new StructType().add("mlflow.trace.user", DataTypes.StringType));
    spark.createDataFrame(List.of(
            RowFactory.create("tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01", trace, 1744706958699L, 1532.0,
                RowFactory.create("user-42"))), frame)
        .coalesce(1).write().parquet(dir.resolve("frame.parquet").toString());
    Files.copy(SharedSpark.fixture("mlflow3_5_0.jsonl.gz"), dir.resolve("traces.jsonl.gz"),
        StandardCopyOption.REPLACE_EXISTING);
    Path wh = SharedSpark.tempDir("wh-parquet");
    IngestSummary s = ingest(ConfigLoader.defaults(), wh, dir.toString());
    assertEquals(2, s.inserted(), s.render());
    assertEquals(0, s.quarantined(), s.render());
    List<String> formats = table(wh, "traces").orderBy("trace_id").select("source_format").collectAsList().stream()
        .map(r -> r.getString(0)).toList();
    assertEquals(List.of("jsonl.gz/v3", "parquet/search_traces_row/v3"), formats);
  }

  @Test
  void ingestRunsRecordsTouchedDates() {
    List<Row> runs = table(warehouse, "ingest_runs").orderBy("started_at").collectAsList();
    assertTrue(runs.size() >= 1);
    Row firstRun = runs.get(0);
    assertEquals(16L, (Long) firstRun.getAs("traces_inserted"));
    assertTrue(firstRun.getList(firstRun.fieldIndex("touched_dates")).size() >= 8);
    try (Stream<Path> files = Files.list(warehouse)) {
      assertEquals(List.of("ingest_runs", "spans", "traces", "traces_quarantine"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
