package io.tracelake.warehouse;

import static io.tracelake.schema.TableSpec.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.schema.TableSpec;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Tables are created from their declarations with their comments (empty, or by a first write carrying the rows), a
 * table written before it was declared gets the declared comments without losing a row, the writes count what they
 * wrote, and rows whose columns are not the declared ones are refused before any write.
 */
class DeclaredTablesTest {

  private static final TableSpec SPEC = new TableSpec("t", "one row per thing's day", new StructType()
      .add(column("day", DataTypes.DateType, "the UTC day"))
      .add(column("things", DataTypes.LongType, "how many, it's said")),
      List.of("day"));

  @Test
  void aNewTableHasTheDeclaredCommentsAndPartitioning() {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-new").toString());
    warehouse.declare(SPEC);
    Row detail = spark.sql("DESCRIBE DETAIL delta.`" + warehouse.path("t") + "`").first();
    assertEquals("one row per thing's day", detail.getAs("description"));
    assertEquals(List.of("day"), detail.getList(detail.fieldIndex("partitionColumns")));
    assertEquals("how many, it's said", warehouse.read("t").schema().apply("things").getComment().get());
  }

  @Test
  void aTableWrittenBeforeItWasDeclaredGetsTheCommentsAndKeepsItsRows() {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-old").toString());
    spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things").write().format("delta").partitionBy("day")
        .save(warehouse.path("t"));
    warehouse.declare(SPEC);
    assertEquals("the UTC day", warehouse.read("t").schema().apply("day").getComment().get());
    assertEquals("one row per thing's day",
        spark.sql("DESCRIBE DETAIL delta.`" + warehouse.path("t") + "`").first().getAs("description"));
    assertEquals(7L, warehouse.read("t").first().getLong(1));
    long version = spark.sql("DESCRIBE HISTORY delta.`" + warehouse.path("t") + "`").count();
    warehouse.declare(SPEC);
    assertEquals(version, spark.sql("DESCRIBE HISTORY delta.`" + warehouse.path("t") + "`").count(),
        "declaring a table that already has its comments commits nothing");
  }

  @Test
  void aTableCreatedByItsFirstWriteIsAsDeclaredInOneWriteCommitAndACommentCommit() {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-first-write").toString());
    long written = warehouse.replaceWhere(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things"
        + " UNION ALL SELECT DATE'2025-12-02', 8L"), "day >= DATE'2025-12-01'");
    assertEquals(2, written);
    Row detail = spark.sql("DESCRIBE DETAIL delta.`" + warehouse.path("t") + "`").first();
    assertEquals("one row per thing's day", detail.getAs("description"));
    assertEquals(List.of("day"), detail.getList(detail.fieldIndex("partitionColumns")));
    assertEquals("how many, it's said", warehouse.read("t").schema().apply("things").getComment().get());
    assertEquals(List.of("SET TBLPROPERTIES", "WRITE"), operations(spark, warehouse));
  }

  @Test
  void aFolderLeftByAKilledFirstWriteBecomesTheTable() throws Exception {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-stray").toString());
    java.nio.file.Path folder = java.nio.file.Path.of(new java.net.URI(warehouse.path("t")));
    java.nio.file.Files.createDirectories(folder.resolve("day=2025-12-01"));
    java.nio.file.Files.writeString(folder.resolve("day=2025-12-01/part-00000-killed.snappy.parquet"), "half");
    assertEquals(1, warehouse.overwrite(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things")));
    assertEquals(1, warehouse.read("t").count());
    assertEquals("one row per thing's day",
        spark.sql("DESCRIBE DETAIL delta.`" + warehouse.path("t") + "`").first().getAs("description"));
  }

  @Test
  void upsertAndInsertNewCountWhatTheyWroteAndInsertNewLeavesExistingRows() {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-merge").toString());
    List<String> key = List.of("day");
    assertEquals(1, warehouse.upsert(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things"), key,
        org.apache.spark.sql.functions.lit(true)));
    assertEquals(2, warehouse.upsert(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 9L AS things"
        + " UNION ALL SELECT DATE'2025-12-02', 1L"), key, org.apache.spark.sql.functions.col("t.day")
        .geq(java.sql.Date.valueOf("2025-12-01"))));
    assertEquals(1, warehouse.insertNew(SPEC, spark.sql("SELECT DATE'2025-12-02' AS day, 5L AS things"
        + " UNION ALL SELECT DATE'2025-12-03', 3L"), key));
    assertEquals(List.of("2025-12-01 9", "2025-12-02 1", "2025-12-03 3"), warehouse.read("t").orderBy("day")
        .collectAsList().stream().map(r -> r.get(0) + " " + r.get(1)).toList());
  }

  @Test
  void aTableWithRequiredColumnsKeepsThemRequired() {
    SparkSession spark = SharedSpark.session();
    Warehouse warehouse = Warehouse.openForWrite(spark, SharedSpark.tempDir("declared-required").toString());
    TableSpec required = new TableSpec("r", "runs", new StructType()
        .add(TableSpec.requiredColumn("run_id", DataTypes.StringType, "the id")), List.of());
    Dataset<Row> row = spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("a")),
        required.schema());
    assertEquals(1, warehouse.insertNew(required, row, List.of("run_id")));
    assertEquals(0, warehouse.insertNew(required, row, List.of("run_id")));
    assertTrue(!warehouse.read("r").schema().apply("run_id").nullable());
  }

  private static List<String> operations(SparkSession spark, Warehouse warehouse) {
    return spark.sql("DESCRIBE HISTORY delta.`" + warehouse.path("t") + "`").select("operation").collectAsList()
        .stream().map(r -> r.getString(0)).toList();
  }

  @Test
  void rowsOfOtherColumnsOrTypesAreRefusedNamingTheDifference() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> rows = spark.sql("SELECT DATE'2025-12-01' AS day, 7 AS things");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Warehouse.asDeclared(SPEC, rows));
    assertTrue(e.getMessage().contains("column 2: declared things bigint, computed things int"), e.getMessage());
    Dataset<Row> declared = Warehouse.asDeclared(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things"));
    assertEquals("how many, it's said", declared.schema().apply("things").getComment().get());
  }
}
