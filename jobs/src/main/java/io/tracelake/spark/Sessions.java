package io.tracelake.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession of a job: Delta's SQL extension and catalog, UTC as the session time zone (all Tracelake dates
 * are UTC dates) and java.time values ({@code Instant}, {@code LocalDate}) in collected rows. The master comes from
 * spark-submit or {@code --conf}; only when none is given (a plain {@code java -cp} run) does it default to local
 * mode.
 *
 * <p>A session Tracelake creates itself (spark-submit, bin/tracelake) gets task counts that fit the cluster where
 * the user set none: with Spark's 200 shuffle partitions and Delta's 50 snapshot partitions, two runs of 726 traces
 * on two 1-core executors took 9,722 tasks (measured 2026-12-02). A session that already exists (a Databricks JAR task, a notebook) is used
 * as it is.
 */
public final class Sessions {

  static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
  static final String SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

  /** The session this JVM's Tracelake started itself, if it did (null when it is a guest in another one's). */
  private static volatile SparkSession started;

  private Sessions() {}

  /** Whether {@code spark} is a session Tracelake started (not a notebook's or a Databricks task's it joined). */
  public static boolean startedHere(SparkSession spark) {
    return spark == started;
  }

  public static SparkSession getOrCreate(String appName) {
    boolean existed = existingSession();
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
    if (!existed) {
      builder = withForkFreeLocalFiles(builder, conf);
    }
    SparkSession spark = builder.getOrCreate();
    if (!existed) {
      // SparkContext resets logging as it starts, to Spark's defaults when the user has none: quiet them again.
      SparkLogging.quietSparkDefaults();
      fitTaskCountsToCluster(spark);
      started = spark;
    }
    return spark;
  }

  /**
   * {@code file:} paths through {@link ForkFreeLocalFileSystem} (no child process per file written), unless the user
   * chose a local file system of their own.
   */
  private static SparkSession.Builder withForkFreeLocalFiles(SparkSession.Builder builder, SparkConf conf) {
    String fileSystem = "spark.hadoop." + ForkFreeLocalFileSystem.FILE_SYSTEM_KEY;
    String fileContext = "spark.hadoop." + ForkFreeLocalFileSystem.FILE_CONTEXT_KEY;
    if (conf.contains(fileSystem) || conf.contains(fileContext)) {
      return builder;
    }
    return builder.config(fileSystem, ForkFreeLocalFileSystem.class.getName())
        .config(fileContext, ForkFreeLocalFileSystem.Fs.class.getName());
  }

  /** Whether a SparkSession was running before Tracelake asked for one: then Tracelake is a guest in it. */
  public static boolean existingSession() {
    return SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
  }

  /**
   * Where the user set neither: twice the application's cores as shuffle partitions (adaptive execution still
   * coalesces small ones and splits skewed ones), and four Delta snapshot partitions (a Tracelake table's log holds
   * thousands of actions, not millions; Delta's 50 is for logs of millions of files). The cores are the ones asked
   * for ({@code spark.cores.max}, or executors × cores each) or, when none were, the ones registered at start.
   */
  private static void fitTaskCountsToCluster(SparkSession spark) {
    SparkConf given = spark.sparkContext().getConf();
    if (!given.contains(SHUFFLE_PARTITIONS)) {
      long cores = Math.max(requestedCores(given), spark.sparkContext().defaultParallelism());
      spark.conf().set(SHUFFLE_PARTITIONS, String.valueOf(Math.min(4000, Math.max(4, 2 * cores))));
    }
    if (!given.contains(SNAPSHOT_PARTITIONS)) {
      spark.conf().set(SNAPSHOT_PARTITIONS, "4");
    }
  }

  private static long requestedCores(SparkConf conf) {
    if (conf.contains("spark.cores.max")) {
      return conf.getInt("spark.cores.max", 0);
    }
    long executors = conf.getBoolean("spark.dynamicAllocation.enabled", false)
        ? conf.getInt("spark.dynamicAllocation.maxExecutors", 0) : conf.getInt("spark.executor.instances", 0);
    return executors * conf.getInt("spark.executor.cores", 1);
  }
}
