package io.tracelake.cli;

import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import scala.Tuple2;

/** Options every Spark command takes: the config layers. */
public final class CommonOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML config file (see conf/tracelake.yaml); overrides the built-in defaults.")
  Path configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", mapFallbackValue = "",
      description = "Override one config key, e.g. --conf analytics.category_tag=topic or "
          + "--conf 'columns.user_id.metadata=[user, mlflow.trace.user]'. Repeatable; wins over the file and over "
          + "Spark's spark.tracelake.KEY=VALUE entries (spark-submit --conf).")
  Map<String, String> overrides = new LinkedHashMap<>();

  public TracelakeConfig load() {
    return ConfigLoader.load(configFile, sparkConf(), overrides);
  }

  /**
   * Config keys given as Spark configuration, {@code spark.tracelake.K=V}: from the JVM's system properties (where
   * {@code spark-submit --conf} puts them before the main class starts) and, inside an existing Spark application
   * (a Databricks JAR task), from its SparkContext's configuration, which wins.
   */
  static Map<String, String> sparkConf() {
    Map<String, String> keys = new TreeMap<>();
    System.getProperties().stringPropertyNames().stream()
        .filter(name -> name.startsWith(ConfigLoader.SPARK_PREFIX))
        .forEach(name -> keys.put(name.substring(ConfigLoader.SPARK_PREFIX.length()), System.getProperty(name)));
    SparkSession.getActiveSession().foreach(spark -> {
      for (Tuple2<String, String> entry : spark.sparkContext().getConf().getAllWithPrefix(ConfigLoader.SPARK_PREFIX)) {
        keys.put(entry._1(), entry._2());
      }
      return null;
    });
    return keys;
  }

  /** {@link #load}, and the resolved config logged once, as the jobs that write tables do at start. */
  public TracelakeConfig loadAndLog() {
    TracelakeConfig config = load();
    LoggerFactory.getLogger("io.tracelake").info("config: {}", ConfigLoader.describe(config));
    return config;
  }
}
