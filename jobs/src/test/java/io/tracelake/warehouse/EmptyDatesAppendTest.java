package io.tracelake.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.schema.TableSpec;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The append onto empty dates checks and writes in one Delta transaction: a writer that fills those dates after the
 * check makes the commit fail as a conflict (the caller then merges), so that writer's rows are never replaced.
 */
class EmptyDatesAppendTest {

  private static final List<LocalDate> DAY = List.of(LocalDate.parse("2025-12-01"));
  private static final StructType SCHEMA = new StructType().add("day", DataTypes.DateType)
      .add("id", DataTypes.StringType);
  private static final TableSpec NEW = TableSpec.described("t", "a test table", SCHEMA,
      Map.of("day", "the day", "id", "an id"), List.of("day"), List.of("id"));

  @Test
  void appendsOntoEmptyDatesAndDeclinesDatesThatHaveRows() {
    SparkSession spark = SharedSpark.session();
    String table = newTable(spark, "empty-dates");
    assertEquals(Optional.of(2L), EmptyDatesAppend.write(spark, table, rows(spark, "a", "b"), "day", DAY, NEW));
    assertEquals(Optional.empty(), EmptyDatesAppend.write(spark, table, rows(spark, "c"), "day", DAY, NEW));
    assertEquals(2, spark.read().format("delta").load(table).count());
  }

  @Test
  void aWriterThatFillsTheDatesAfterTheCheckMakesTheCommitAConflictAndKeepsItsRows() {
    SparkSession spark = SharedSpark.session();
    String table = newTable(spark, "empty-dates-race");
    SparkSession other = spark.newSession();
    Exception e = assertThrows(Exception.class, () -> EmptyDatesAppend.write(spark, table, rows(spark, "mine"),
        "day", DAY, NEW, () -> rows(other, "theirs").write().format("delta").mode("append").save(table)));
    assertTrue(ConcurrentWrites.isConflict(e, false), "a conflict, which the caller turns into a merge: " + e);
    List<Row> kept = spark.read().format("delta").load(table).collectAsList();
    assertEquals(1, kept.size());
    assertEquals("theirs", kept.get(0).getString(1));
  }

  @Test
  void aTableWithoutACommitIsCreatedByTheAppendInOneCommit() {
    SparkSession spark = SharedSpark.session();
    String table = SharedSpark.tempDir("empty-dates-new").resolve("t").toString();
    assertEquals(Optional.of(2L), EmptyDatesAppend.write(spark, table, rows(spark, "a", "b"), "day", DAY, NEW));
    io.delta.tables.DeltaTable created = io.delta.tables.DeltaTable.forPath(spark, table);
    assertEquals(1, created.history().count(), "one commit: the table and its rows");
    assertEquals(List.of("day"), List.of((Object[]) created.detail().first().<scala.collection.Seq<String>>getAs(
        "partitionColumns").toList().toArray(scala.reflect.ClassTag$.MODULE$.apply(String.class))));
    assertEquals("id", created.detail().first().<scala.collection.Map<String, String>>getAs("properties")
        .get("delta.dataSkippingStatsColumns").get());
    assertEquals(NEW.schema(), created.toDF().schema(), "the declared columns, comments included");
    assertEquals(Optional.empty(), EmptyDatesAppend.write(spark, table, rows(spark, "c"), "day", DAY, NEW));
  }

  @Test
  void aWriterThatCreatesTheTableFirstMakesTheCreatingCommitAConflictAndKeepsItsRows() {
    SparkSession spark = SharedSpark.session();
    String table = SharedSpark.tempDir("empty-dates-create-race").resolve("t").toString();
    SparkSession other = spark.newSession();
    Exception e = assertThrows(Exception.class, () -> EmptyDatesAppend.write(spark, table, rows(spark, "mine"),
        "day", DAY, NEW, () -> rows(other, "theirs").write().format("delta").partitionBy("day").save(table)));
    assertTrue(ConcurrentWrites.isConflict(e, false), "a conflict, which the caller turns into a merge: " + e);
    List<Row> kept = spark.read().format("delta").load(table).collectAsList();
    assertEquals(1, kept.size());
    assertEquals("theirs", kept.get(0).getString(1));
  }

  private static String newTable(SparkSession spark, String name) {
    String path = SharedSpark.tempDir(name).resolve("t").toString();
    spark.sql("CREATE TABLE delta.`" + path + "` (day DATE, id STRING) USING delta PARTITIONED BY (day)");
    return path;
  }

  private static Dataset<Row> rows(SparkSession spark, String... ids) {
    StringBuilder sql = new StringBuilder();
    for (String id : ids) {
      sql.append(sql.length() == 0 ? "" : " UNION ALL ").append("SELECT DATE'2025-12-01' AS day, '").append(id)
          .append("' AS id");
    }
    return spark.sql(sql.toString());
  }
}
