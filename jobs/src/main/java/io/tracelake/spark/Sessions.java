package io.tracelake.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession of a job: Delta's SQL extension and catalog, UTC as the session time zone (all Tracelake dates
 * are UTC dates) and java.time values ({@code Instant}, {@code LocalDate}) in collected rows. The master comes from spark-submit or {@code --conf}; only when none is given (a
 * plain {@code java -cp} run) does it default to local mode.
 */
public final class Sessions {

  private Sessions() {}

  public static SparkSession getOrCreate(String appName) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder()
        .appName(appName)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.datetime.java8API.enabled", "true");
    if (!conf.contains("spark.master")) {
      builder = builder.master("local[*]");
    }
    return builder.getOrCreate();
  }
}
