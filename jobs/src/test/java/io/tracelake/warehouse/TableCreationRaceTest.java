package io.tracelake.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The moment two writers create one table: the first has made the table's folder and {@code _delta_log} but not yet
 * committed version 0, and the second then finds a location that is "not empty and also not a Delta table"
 * (seen in CI as {@code DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION}). The second must wait for the first and use its
 * table; a folder that stays non-Delta is still refused with Delta's own message (it is not a Delta table),
 * not reported as another writer that kept winning.
 */
class TableCreationRaceTest {

  private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType);

  @Test
  void aTableAnotherWriterIsCreatingThisMomentIsWaitedForAndUsed() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path root = SharedSpark.tempDir("creation-race");
    Files.createDirectories(root.resolve("t").resolve("_delta_log"));
    Files.writeString(root.resolve("t").resolve("_delta_log").resolve(".00000000000000000000.json.tmp"), "{}");
    Warehouse warehouse = Warehouse.openForWrite(spark, root.toString());
    CompletableFuture<Void> otherWriter = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(400);
        Path log = root.resolve("t").resolve("_delta_log");
        Files.delete(log.resolve(".00000000000000000000.json.tmp"));
        spark.range(3).write().format("delta").mode("append").save(root.resolve("t").toString());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(3, warehouse.createIfNotExists("t", SCHEMA).toDF().count());
    otherWriter.get();
  }

  @Test
  void aFolderThatStaysNonDeltaIsRefusedWithDeltasMessage() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path root = SharedSpark.tempDir("creation-non-delta");
    Files.createDirectories(root.resolve("t"));
    Files.writeString(root.resolve("t").resolve("notes.txt"), "not a table");
    Warehouse warehouse = Warehouse.openForWrite(spark, root.toString());
    Exception e = assertThrows(Exception.class, () -> warehouse.createIfNotExists("t", SCHEMA));
    assertTrue(e.getMessage().contains("is not a Delta table"), e.getMessage());
  }

  /**
   * A first write killed before its commit (seen in CI's kill test: the spans table's first append) leaves Parquet
   * files in partition folders and no {@code _delta_log}; Delta's CREATE TABLE refuses such a folder, so the table
   * could never be created again. It is created by a first commit instead, and the files, which no version refers to,
   * are not part of it.
   */
  @Test
  void theFilesOfAFirstWriteKilledBeforeItsCommitDoNotBlockTheTable() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path root = SharedSpark.tempDir("creation-killed");
    Path t = root.resolve("t");
    spark.range(5).selectExpr("id", "id % 2 AS p").write().format("delta").partitionBy("p").save(t.toString());
    org.apache.commons.io.FileUtils.deleteDirectory(t.resolve("_delta_log").toFile());
    Warehouse warehouse = Warehouse.openForWrite(spark, root.toString());
    StructType schema = new StructType().add("id", DataTypes.LongType).add("p", DataTypes.LongType);
    assertEquals(0, warehouse.createIfNotExists("t", schema, "p").toDF().count());
    spark.range(2).selectExpr("id", "id % 2 AS p").write().format("delta").mode("append").save(t.toString());
    assertEquals(2, warehouse.read("t").count());
  }
}
