package io.tracelake.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Whether Spark compiles generated code for a job's plans, chosen by how much data the job reads. Compiling the
 * generated code of every plan costs the same whatever the size: on the 426 sample traces it was about half of the
 * analytics job (a `run` took 61.5 s with code generation, 45.3 s without, 2026-12-07), while from about 25,000
 * traces on, the compiled code pays for itself (82 MB of input: 63.6 s with, 64.8 s without). So a job reading less
 * than its threshold runs interpreted, a larger one compiled.
 *
 * <p>Only in a session Tracelake started itself and where the user set neither of Spark's two settings: a session
 * Tracelake is a guest in (a notebook, a Databricks task), or one given {@code spark.sql.codegen.wholeStage} or
 * {@code spark.sql.codegen.factoryMode}, is left as it is.
 */
public final class CodeGeneration {

  static final String WHOLE_STAGE = "spark.sql.codegen.wholeStage";
  static final String FACTORY_MODE = "spark.sql.codegen.factoryMode";

  /** Ingest: below this many bytes of input files, parse and write interpreted. */
  public static final long INGEST_INTERPRETED_BELOW_BYTES = 64L << 20;
  /** Analytics: below this many bytes of the {@code traces} table (Parquet), compute interpreted. */
  public static final long ANALYTICS_INTERPRETED_BELOW_BYTES = 4L << 20;

  private CodeGeneration() {}

  /**
   * Sets the session to run interpreted when {@code bytes} is under {@code threshold}, compiled otherwise, where the
   * choice is Tracelake's to make.
   *
   * @return whether the job runs interpreted
   */
  public static boolean fitTo(SparkSession spark, long bytes, long threshold) {
    SparkConf given = spark.sparkContext().getConf();
    if (!Sessions.startedHere(spark) || given.contains(WHOLE_STAGE) || given.contains(FACTORY_MODE)) {
      return false;
    }
    boolean interpreted = bytes < threshold;
    spark.conf().set(WHOLE_STAGE, String.valueOf(!interpreted));
    spark.conf().set(FACTORY_MODE, interpreted ? "NO_CODEGEN" : "FALLBACK");
    return interpreted;
  }
}
