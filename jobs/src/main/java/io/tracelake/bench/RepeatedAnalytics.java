package io.tracelake.bench;

import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.analytics.DateSelection;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark helper, not a product path: the analytics job for one date, run several times in one JVM, each run's
 * time printed. The first run pays what every {@code bin/tracelake analytics} pays on a fresh JVM (JIT compilation of
 * the Spark and Delta code paths, first use of each plan); later runs show what the same work costs in a long-lived
 * Spark application. Each run recomputes the same date, so the work is the same. {@code bin/bench-analytics} runs it
 * after the incremental run.
 *
 * <p>Usage: {@code RepeatedAnalytics WAREHOUSE_DIR DATE RUNS}
 */
public final class RepeatedAnalytics {

  private RepeatedAnalytics() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: RepeatedAnalytics WAREHOUSE_DIR DATE RUNS");
      System.exit(2);
    }
    SparkSession spark = Sessions.getOrCreate("repeated-analytics");
    TracelakeConfig config = ConfigLoader.defaults();
    Warehouse warehouse = Warehouse.openForRead(spark, args[0]);
    DateSelection date = DateSelection.of(List.of(LocalDate.parse(args[1])));
    int runs = Integer.parseInt(args[2]);
    StringBuilder times = new StringBuilder();
    for (int i = 1; i <= runs; i++) {
      long start = System.nanoTime();
      AnalyticsJob.run(spark, config, warehouse, date);
      times.append(i == 1 ? "" : ", ").append(String.format("%.1f s", (System.nanoTime() - start) / 1e9));
    }
    System.out.println("runs in one JVM: " + times);
  }
}
