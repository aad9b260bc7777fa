package io.tracelake;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import com.holdenkarau.spark.testing.SparkSessionProvider;
import io.tracelake.spark.Sessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of the test JVM, made by the production {@link Sessions} factory with small local settings
 * (and without code generation), and the spark-testing-base helper bound to it.
 */
public final class SharedSpark {

  private static SparkSession spark;
  private static JavaDataFrameSuiteBase frames;

  private SharedSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      System.setProperty("spark.master", "local[2]");
      System.setProperty("spark.ui.enabled", "false");
      System.setProperty("spark.sql.shuffle.partitions", "2");
      System.setProperty("spark.default.parallelism", "2");
      System.setProperty("spark.databricks.delta.snapshotPartitions", "1");
      // The test pipelines are small: compiling generated code for each of their plans costs more than running them
      // interpreted (about 0.8x the time of three pipeline classes, 2026-12-06). The whole-process checks of CI
      // (bin/tracelake, the chaos and cluster tests, the notebooks) run with code generation, as users do.
      System.setProperty("spark.sql.codegen.wholeStage", "false");
      System.setProperty("spark.sql.codegen.factoryMode", "NO_CODEGEN");
      System.setProperty("spark.driver.host", "127.0.0.1");
      System.setProperty("spark.driver.bindAddress", "127.0.0.1");
      spark = Sessions.getOrCreate("tracelake-tests");
      SparkSessionProvider._sparkSession_$eq(spark);
      frames = new JavaDataFrameSuiteBase();
    }
    return spark;
  }

  /** spark-testing-base's DataFrame assertions, on the shared session. */
  public static synchronized JavaDataFrameSuiteBase frames() {
    session();
    return frames;
  }

  /** A fixture file under src/test/resources/fixtures. */
  public static Path fixture(String name) {
    return Paths.get("src/test/resources/fixtures", name).toAbsolutePath();
  }

  /**
   * The span fixture: eight traces in every span shape MLflow writes (kept out of {@code fixtures/}, whose folder
   * tests ingest whole).
   */
  public static Path spansFixture() {
    return Paths.get("src/test/resources/spans/spans.jsonl").toAbsolutePath();
  }

  /** A fresh folder under target/ for one test's warehouse or inputs. */
  public static Path tempDir(String prefix) {
    try {
      Path base = Paths.get("target", "test-work");
      Files.createDirectories(base);
      return Files.createTempDirectory(base.toAbsolutePath(), prefix);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
