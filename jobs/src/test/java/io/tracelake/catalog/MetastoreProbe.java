package io.tracelake.catalog;

import org.apache.spark.sql.SparkSession;

/**
 * A Spark application of its own on a Hive metastore, for {@link CatalogRegistrationTest}: runs each argument as
 * SQL and prints its rows as JSON lines after a {@code >>> statement} line. It reads the tables only by name.
 */
public final class MetastoreProbe {

  private MetastoreProbe() {}

  public static void main(String[] statements) {
    SparkSession spark = SparkSession.builder().appName("metastore-probe").enableHiveSupport()
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
    for (String sql : statements) {
      System.out.println(">>> " + sql);
      spark.sql(sql).toJSON().collectAsList().forEach(System.out::println);
    }
    spark.stop();
  }
}
