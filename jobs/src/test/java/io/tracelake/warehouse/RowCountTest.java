package io.tracelake.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracelake.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A table's row count read from Delta's checksum equals Spark's count after every kind of commit. */
class RowCountTest {

  @Test
  void theChecksumsCountFollowsAppendsMergesDeletesAndCompaction() {
    SparkSession spark = SharedSpark.session();
    Warehouse w = Warehouse.openForWrite(spark, SharedSpark.tempDir("wh-rowcount").toString());
    String t = "delta.`" + w.path("t") + "`";
    spark.sql("CREATE TABLE " + t + " (day DATE, id BIGINT) USING delta PARTITIONED BY (day)");
    assertEquals(0, w.rowCount("t"));
    spark.sql("INSERT INTO " + t + " SELECT DATE'2025-12-01' + CAST(id % 3 AS INT), id FROM range(100)");
    spark.sql("INSERT INTO " + t + " SELECT DATE'2025-12-05', id FROM range(100, 110)");
    assertEquals(110, w.rowCount("t"));
    spark.sql("MERGE INTO " + t + " x USING (SELECT id, DATE'2025-12-09' AS day FROM range(105, 120)) s "
        + "ON x.id = s.id WHEN MATCHED THEN UPDATE SET x.day = s.day WHEN NOT MATCHED THEN INSERT *");
    assertEquals(spark.read().format("delta").load(w.path("t")).count(), w.rowCount("t"));
    spark.sql("DELETE FROM " + t + " WHERE id % 7 = 0");
    assertEquals(spark.read().format("delta").load(w.path("t")).count(), w.rowCount("t"));
    spark.sql("OPTIMIZE " + t);
    assertEquals(spark.read().format("delta").load(w.path("t")).count(), w.rowCount("t"));
    assertEquals(120 - 18, w.rowCount("t"));
  }
}
