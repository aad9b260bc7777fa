package io.tracelake.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.generate.TraceGenerator;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code span_daily} is exact: every figure equals a computation in plain Java over the rows of {@code spans} and
 * {@code traces} (percentiles interpolated linearly, as pandas' {@code quantile}).
 */
class SpanDailyTest {

  /** Everything collected for one group of spans. */
  private static final class Group {
    long calls;
    long errors;
    final Set<String> traces = new HashSet<>();
    final List<Double> durations = new ArrayList<>();
    Long totalTokens;
    Double cost;
  }

  @Test
  void everyFigureEqualsAPlainJavaComputationOverTheSpans() throws IOException {
    SparkSession spark = SharedSpark.session();
    Path export = SharedSpark.tempDir("span-daily-export");
    new TraceGenerator(new TraceGenerator.Spec(300, 12, 4, 10, 3, false, LocalDate.parse("2025-12-01")))
        .writeTo(export, 1);
    Path wh = SharedSpark.tempDir("span-daily");
    IngestJob.run(spark, ConfigLoader.defaults(), new IngestJob.Options(List.of(export.toString(),
        SharedSpark.spansFixture().toString()), wh.toString(), null));
    Warehouse warehouse = Warehouse.openForRead(spark, wh.toString());
    AnalyticsJob.run(spark, ConfigLoader.defaults(), warehouse, DateSelection.all());

    Map<String, String[]> release = new HashMap<>();
    for (Row t : warehouse.read("traces").select("trace_id", "app_version", "environment").collectAsList()) {
      release.put(t.getString(0), new String[] {t.getString(1), t.getString(2)});
    }
    Map<List<Object>, Group> expected = new HashMap<>();
    for (Row s : warehouse.read("spans").collectAsList()) {
      String[] r = release.get(s.<String>getAs("trace_id"));
      List<Object> key = Arrays.asList(s.getAs("request_date").toString(), r[0], r[1], s.getAs("span_type"),
          s.getAs("name"), s.getAs("model"));
      Group g = expected.computeIfAbsent(key, k -> new Group());
      g.calls++;
      g.errors += "ERROR".equals(s.getAs("status_code")) ? 1 : 0;
      g.traces.add(s.getAs("trace_id"));
      if (s.getAs("duration_ms") != null) {
        g.durations.add(s.getAs("duration_ms"));
      }
      if (s.getAs("total_tokens") != null) {
        g.totalTokens = (g.totalTokens == null ? 0 : g.totalTokens) + s.<Long>getAs("total_tokens");
      }
      if (s.getAs("cost") != null) {
        g.cost = (g.cost == null ? 0 : g.cost) + s.<Double>getAs("cost");
      }
    }
    List<Row> actual = warehouse.read(AnalyticsTables.SPAN_DAILY).collectAsList();
    assertEquals(expected.size(), actual.size());
    assertTrue(actual.size() > 20, "groups: " + actual.size());
    for (Row a : actual) {
      List<Object> key = Arrays.asList(a.getAs("activity_date").toString(), a.getAs("app_version"),
          a.getAs("environment"), a.getAs("span_type"), a.getAs("name"), a.getAs("model"));
      Group g = expected.get(key);
      assertEquals(g.calls, a.<Long>getAs("calls"), key.toString());
      assertEquals(g.errors, a.<Long>getAs("errors"), key.toString());
      assertEquals(g.traces.size(), a.<Long>getAs("traces"), key.toString());
      assertEquals((double) g.errors / g.calls, a.<Double>getAs("error_rate"), 1e-12, key.toString());
      assertClose(quantile(g.durations, 0.5), a.getAs("p50_duration_ms"), key);
      assertClose(quantile(g.durations, 0.95), a.getAs("p95_duration_ms"), key);
      assertEquals(g.totalTokens, a.getAs("total_tokens"), key.toString());
      assertClose(g.cost, a.getAs("cost"), key);
    }
  }

  private static void assertClose(Double want, Double got, List<Object> key) {
    assertEquals(want == null, got == null, key.toString());
    if (want != null) {
      assertEquals(want, got, 1e-9, key.toString());
    }
  }

  /** pandas' default quantile: linear interpolation between the closest ranks. */
  private static Double quantile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return null;
    }
    List<Double> sorted = values.stream().filter(Objects::nonNull).sorted().toList();
    double position = q * (sorted.size() - 1);
    int lower = (int) Math.floor(position);
    int upper = (int) Math.ceil(position);
    return sorted.get(lower) + (sorted.get(upper) - sorted.get(lower)) * (position - lower);
  }
}
