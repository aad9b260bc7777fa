package io.tracelake.spark;

import java.net.URISyntaxException;
import java.net.URL;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.spark.SparkConf;

/**
 * Under {@code spark-submit} with no logging configuration of the user's, Spark falls back to its own defaults: every
 * INFO line of the driver on the console (about 4,000 for a run of the samples on a cluster, measured 2026-12-02),
 * hiding Tracelake's progress and summary. Then, and only then, the logging of {@code bin/tracelake}
 * ({@code conf/log4j2.properties}, shipped in the jar) is loaded instead: Tracelake at INFO, Spark, Delta and Hadoop
 * at WARN. A log4j2 configuration of the user's ({@code -Dlog4j2.configurationFile},
 * {@code $SPARK_CONF_DIR/log4j2.properties}) is left as it is.
 */
public final class SparkLogging {

  /** Where Spark 4 keeps the configurations it falls back to (plain and JSON layout). */
  private static final String SPARK_DEFAULTS = "org/apache/spark/log4j2-";
  private static final String TRACELAKE_DEFAULTS = "io/tracelake/log4j2.properties";

  private SparkLogging() {}

  public static void quietSparkDefaults() {
    URL ours = SparkLogging.class.getClassLoader().getResource(TRACELAKE_DEFAULTS);
    if (ours == null) {
      return;
    }
    // spark-submit loads the application jar in a class loader of its own, and log4j keeps one logging context per
    // class loader: Spark's loggers live in the context of Spark's loader, Tracelake's in this one's.
    Set<LoggerContext> contexts = new LinkedHashSet<>();
    for (ClassLoader loader : List.of(SparkConf.class.getClassLoader(), SparkLogging.class.getClassLoader())) {
      if (LogManager.getContext(loader, false) instanceof LoggerContext context) {
        contexts.add(context);
      }
    }
    for (LoggerContext context : contexts) {
      if (unconfiguredByUser(context)) {
        try {
          // A configuration of its own (not log4j's DefaultConfiguration) also tells Spark not to load its defaults.
          context.setConfigLocation(ours.toURI());
        } catch (URISyntaxException e) {
          throw new IllegalStateException("Bad resource URL " + ours, e);
        }
      }
    }
  }

  /**
   * log4j's own fallback (nothing found: spark-submit resets logging to it before it calls the main class), or
   * Spark's defaults.
   */
  private static boolean unconfiguredByUser(LoggerContext context) {
    Configuration configuration = context.getConfiguration();
    if (configuration instanceof DefaultConfiguration) {
      return true;
    }
    String location = configuration.getConfigurationSource().getLocation();
    return location != null && location.contains(SPARK_DEFAULTS);
  }
}
