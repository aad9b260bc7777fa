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
 * Tables are created from their declarations with their comments, a table written before it was declared gets the
 * declared comments without losing a row, and rows whose columns are not the declared ones are refused before any
 * write.
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
  void rowsOfOtherColumnsOrTypesAreRefusedNamingTheDifference() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> rows = spark.sql("SELECT DATE'2025-12-01' AS day, 7 AS things");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Warehouse.asDeclared(SPEC, rows));
    assertTrue(e.getMessage().contains("column 2: declared things bigint, computed things int"), e.getMessage());
    Dataset<Row> declared = Warehouse.asDeclared(SPEC, spark.sql("SELECT DATE'2025-12-01' AS day, 7L AS things"));
    assertEquals("how many, it's said", declared.schema().apply("things").getComment().get());
  }
}
