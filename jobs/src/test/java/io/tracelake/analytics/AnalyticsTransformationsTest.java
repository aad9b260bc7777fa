package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tracelake.SharedSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each analytics transformation on a small inline frame with the edge cases: no user, no session, IN_PROGRESS and
 * ERROR traces, null durations, equal timestamps, a session across midnight, unicode ids. Expected figures are worked
 * out by hand in the comments.
 */
class AnalyticsTransformationsTest {

  private static Dataset<Row> traces;

  @BeforeAll
  static void traces() {
    traces = new TraceRows()
        // user-α, session s1: three turns, the last after midnight UTC; t2 and t3 share a timestamp (order by id).
        .add("t1", "2025-12-12T23:58:00Z", "OK", 1000L, "user-α", "s1", "1.0", "production", "chat", 10L)
        .add("t3", "2025-12-12T23:59:00Z", "ERROR", 500L, "user-α", "s1", "1.0", "production", "billing", 20L)
        .add("t2", "2025-12-12T23:59:00Z", "OK", null, "user-α", "s1", "1.1", "production", "chat", null)
        .add("t4", "2025-12-13T00:01:00Z", "IN_PROGRESS", null, "user-α", "s1", "1.1", "production", null, null)
        // user-α, no session
        .add("t5", "2025-12-12T10:00:00Z", "OK", 3000L, "user-α", null, "1.0", "staging", "chat", 30L)
        // no user, session s2 (two turns)
        .add("t6", "2025-12-12T12:00:00Z", "OK", 200L, null, "s2", null, null, "other", 5L)
        .add("t7", "2025-12-12T12:00:10Z", "ERROR", 100L, null, "s2", null, null, null, 5L)
        .frame();
  }

  private static List<Row> rows(Dataset<Row> df, String... orderBy) {
    return df.orderBy(orderBy[0], java.util.Arrays.copyOfRange(orderBy, 1, orderBy.length)).collectAsList();
  }

  @Test
  void dailyUserActivityCountsPerUtcDateAndKeepsTracesWithoutUser() {
    Dataset<Row> daily = DailyUserActivity.compute(traces, "query_category");
    StructType schema = new StructType()
        .add("activity_date", DataTypes.StringType, false).add("user_id", DataTypes.StringType)
        .add("interactions", DataTypes.LongType, false).add("sessions", DataTypes.LongType, false)
        .add("error_count", DataTypes.LongType).add("error_rate", DataTypes.DoubleType)
        .add("avg_duration_ms", DataTypes.DoubleType).add("p50_duration_ms", DataTypes.DoubleType)
        .add("p95_duration_ms", DataTypes.DoubleType).add("total_tokens", DataTypes.LongType, false)
        .add("categories", DataTypes.StringType);
    // 2025-12-12 user-α: t1,t3,t2,t5 → 4 traces, sessions {s1} = 1, errors 1 → 0.25,
    //   durations 1000,500,3000 → mean 1500, median 1000, p95 = 1000 + 0.9*(3000-1000) = 2800, tokens 10+20+30 = 60,
    //   categories chat 3, billing 1.
    // 2025-12-13 user-α: t4 (in progress) → 1 trace, 1 session, no duration, tokens 0, no category.
    // 2025-12-12 no user: t6,t7 → 2 traces, 1 session, 1 error, mean 150, median 150, p95 195, tokens 10, other 1.
    Dataset<Row> expected = SharedSpark.session().createDataFrame(List.of(
        RowFactory.create("2025-12-12", null, 2L, 1L, 1L, 0.5, 150.0, 150.0, 195.0, 10L, "{\"other\":1}"),
        RowFactory.create("2025-12-12", "user-α", 4L, 1L, 1L, 0.25, 1500.0, 1000.0, 2800.0, 60L,
            "{\"billing\":1,\"chat\":3}"),
        RowFactory.create("2025-12-13", "user-α", 1L, 1L, 0L, 0.0, null, null, null, 0L, "{}")), schema);
    Dataset<Row> actual = daily.select(col("activity_date").cast("string").as("activity_date"), col("user_id"),
        col("interactions"), col("sessions"), col("error_count"), col("error_rate"), col("avg_duration_ms"),
        col("p50_duration_ms"), col("p95_duration_ms"), col("total_tokens"),
        to_json(org.apache.spark.sql.functions.map_from_entries(org.apache.spark.sql.functions.array_sort(
            org.apache.spark.sql.functions.map_entries(col("categories"))))).as("categories"));
    // Approximate: the interpolated p95 is 2799.9999999999995 in floating point, as pandas computes it too.
    SharedSpark.frames().assertDataFrameApproximateEquals(expected.orderBy("activity_date", "user_id"),
        actual.orderBy("activity_date", "user_id"), 1e-9);
    assertEquals(traces.count(), daily.agg(org.apache.spark.sql.functions.sum("interactions")).first().getLong(0),
        "interactions add up to the traces table");
  }

  @Test
  void sessionTurnsOrderByTimeThenTraceIdAcrossMidnight() {
    List<Row> turns = rows(SessionTurns.compute(traces).where(col("session_id").equalTo("s1")), "turn");
    assertEquals(List.of("t1", "t2", "t3", "t4"), turns.stream().map(r -> r.<String>getAs("trace_id")).toList());
    assertEquals(List.of(1, 2, 3, 4), turns.stream().map(r -> r.<Integer>getAs("turn")).toList());
    // t1 ends 23:58:01; t2 starts 23:59:00 → 59,000 ms; t2 has no duration → ends at its start; t3 same time → 0;
    // t3 ends 23:59:00.5; t4 at 00:01:00 → 119,500 ms.
    assertNull(turns.get(0).getAs("gap_ms"));
    assertEquals(List.of(59_000L, 0L, 119_500L),
        turns.subList(1, 4).stream().map(r -> r.<Long>getAs("gap_ms")).toList());
    assertEquals(1765583880000L, (long) turns.get(0).getAs("timestamp_ms"));
    assertEquals(0, SessionTurns.compute(traces).where(col("trace_id").equalTo("t5")).count(), "no session, no turn");
  }

  @Test
  void sessionsSummariseTheirTurns() {
    Dataset<Row> sessions = SessionSummaries.compute(SessionTurns.compute(traces));
    Row s1 = sessions.where(col("session_id").equalTo("s1")).first();
    assertEquals("user-α", s1.getAs("user_id"));
    assertEquals(4L, (long) s1.getAs("turns"));
    assertEquals(1L, (long) s1.getAs("error_count"));
    assertEquals(1500L, (long) s1.getAs("total_duration_ms"));
    assertEquals(750.0, (double) s1.getAs("avg_turn_duration_ms"));
    assertEquals(List.of("1.0", "1.1"), s1.getList(s1.fieldIndex("app_versions")));
    assertEquals("{\"q\": \"t1\"}", s1.getAs("first_request"));
    assertEquals("\"answer t4\"", s1.getAs("last_response"));
    assertEquals(java.time.LocalDate.parse("2025-12-12"), s1.getAs("session_date"));
    assertEquals(java.time.Instant.parse("2025-12-13T00:01:00Z"), s1.getAs("end_time"));
    assertEquals(119_500L, (long) s1.getAs("max_gap_ms"));
    Row s2 = sessions.where(col("session_id").equalTo("s2")).first();
    assertNull(s2.getAs("user_id"));
    assertEquals(0L, (long) s2.getAs("user_count"));
  }

  @Test
  void userSummaryPicksTheTopCategoryAndCountsActiveDays() {
    Row alpha = UserSummary.compute(traces, "query_category").where(col("user_id").equalTo("user-α")).first();
    assertEquals(5L, (long) alpha.getAs("interactions"));
    assertEquals(2L, (long) alpha.getAs("active_days"));
    assertEquals(1L, (long) alpha.getAs("sessions"));
    assertEquals(0.2, (double) alpha.getAs("error_rate"), 1e-12);
    assertEquals("chat", alpha.getAs("top_category"));
    assertEquals(3L, (long) alpha.getAs("top_category_count"));
  }

  @Test
  void versionTablesCountDistinctUsersAndKeepNullGroups() {
    Map<String, Long> interactions = new java.util.TreeMap<>();
    Map<String, Long> users = new java.util.TreeMap<>();
    for (Row r : VersionBreakdowns.versionSummary(traces).collectAsList()) {
      String key = r.getAs("app_version") + "/" + r.getAs("environment");
      interactions.put(key, r.getAs("interactions"));
      users.put(key, r.getAs("distinct_users"));
    }
    assertEquals(Map.of("1.0/production", 2L, "1.1/production", 2L, "1.0/staging", 1L, "null/null", 2L),
        interactions);
    assertEquals(Map.of("1.0/production", 1L, "1.1/production", 1L, "1.0/staging", 1L, "null/null", 0L), users);
    assertEquals(5, VersionBreakdowns.daily(traces).count(), "four groups on 12-12, 1.1/production again on 12-13");
    Row production = VersionBreakdowns.environmentSummary(traces).where(col("environment").equalTo("production"))
        .first();
    assertEquals(4L, (long) production.getAs("interactions"));
  }

  @Test
  void percentileOfSortedArrayEqualsSparksPercentileExactly() {
    // Groups of 1..60 durations with ties, nulls and large values (seed 7); Spark's percentile is the reference.
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    List<Row> values = new java.util.ArrayList<>();
    for (int g = 0; g < 200; g++) {
      int n = 1 + random.nextInt(60);
      for (int i = 0; i < n; i++) {
        Long d = random.nextInt(10) == 0 ? null : random.nextInt(4) == 0 ? 1000L : random.nextLong(0, 5_000_000L);
        values.add(RowFactory.create(g, d));
      }
    }
    values.add(RowFactory.create(999, null));
    Dataset<Row> df = SharedSpark.session().createDataFrame(values, new StructType()
        .add("g", DataTypes.IntegerType).add("d", DataTypes.LongType));
    org.apache.spark.sql.Column sorted = org.apache.spark.sql.functions.array_sort(
        org.apache.spark.sql.functions.collect_list(col("d")));
    List<Row> compared = df.groupBy("g").agg(
            org.apache.spark.sql.functions.percentile(col("d"), org.apache.spark.sql.functions.lit(0.5)).as("p50"),
            TraceStats.percentileOfSorted(sorted, 0.5).as("p50_sorted"),
            org.apache.spark.sql.functions.percentile(col("d"), org.apache.spark.sql.functions.lit(0.95)).as("p95"),
            TraceStats.percentileOfSorted(sorted, 0.95).as("p95_sorted"))
        .collectAsList();
    assertEquals(201, compared.size());
    for (Row r : compared) {
      assertEquals((Double) r.getAs("p50"), (Double) r.getAs("p50_sorted"), "p50 of group " + r.getAs("g"));
      assertEquals((Double) r.getAs("p95"), (Double) r.getAs("p95_sorted"), "p95 of group " + r.getAs("g"));
    }
  }

  @Test
  void summariesMergedFromDailyRowsEqualAggregatesOverTheTraces() {
    // 3,000 random traces over 20 days (seed 11): users, sessions and versions recur across days, some are null.
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    TraceRows rows = new TraceRows();
    String[] states = {"OK", "OK", "OK", "ERROR", "IN_PROGRESS"};
    for (int i = 0; i < 3000; i++) {
      String time = java.time.Instant.parse("2025-11-01T00:00:00Z")
          .plusSeconds(random.nextLong(20L * 86_400)).toString();
      rows.add("r" + i, time, states[random.nextInt(states.length)],
          random.nextInt(8) == 0 ? null : random.nextLong(10, 9000), pick(random, "u", 40), pick(random, "s", 300),
          pick(random, "v", 3), pick(random, "e", 2), pick(random, "c", 4),
          random.nextInt(5) == 0 ? null : random.nextLong(1, 500));
    }
    Dataset<Row> many = rows.frame();
    org.apache.spark.sql.Column d = col("execution_duration_ms");
    org.apache.spark.sql.Column[] direct = {
        org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)).as("interactions"),
        org.apache.spark.sql.functions.countDistinct(col("session_id")).as("sessions"),
        org.apache.spark.sql.functions.avg(d).as("avg_duration_ms"),
        org.apache.spark.sql.functions.percentile(d, org.apache.spark.sql.functions.lit(0.95)).as("p95_duration_ms"),
        org.apache.spark.sql.functions.coalesce(org.apache.spark.sql.functions.sum(col("total_tokens")),
            org.apache.spark.sql.functions.lit(0L)).as("total_tokens")};
    String[] figures = {"interactions", "sessions", "avg_duration_ms", "p95_duration_ms", "total_tokens"};

    Dataset<Row> expectedUsers = many.groupBy("user_id").agg(direct[0], direct[1], direct[2], direct[3], direct[4],
        org.apache.spark.sql.functions.countDistinct(col("request_date")).as("active_days"));
    Dataset<Row> actualUsers = UserSummary.fromDaily(DailyUserActivity.compute(many, "query_category"));
    assertSameFigures(expectedUsers, actualUsers, new String[] {"user_id"},
        concat(figures, "active_days"));

    Dataset<Row> expectedVersions = many.groupBy("app_version", "environment").agg(direct[0], direct[1], direct[2],
        direct[3], direct[4], org.apache.spark.sql.functions.countDistinct(col("user_id")).as("distinct_users"),
        org.apache.spark.sql.functions.percentile(d, org.apache.spark.sql.functions.lit(0.5)).as("p50_duration_ms"));
    Dataset<Row> releases = VersionBreakdowns.daily(many);
    assertSameFigures(expectedVersions, VersionBreakdowns.versionSummaryFromDaily(releases),
        new String[] {"app_version", "environment"}, concat(figures, "distinct_users", "p50_duration_ms"));
    Dataset<Row> expectedEnvironments = many.groupBy("environment").agg(direct[0], direct[1], direct[2], direct[3],
        direct[4], org.apache.spark.sql.functions.countDistinct(col("user_id")).as("distinct_users"));
    assertSameFigures(expectedEnvironments, VersionBreakdowns.environmentSummaryFromDaily(releases),
        new String[] {"environment"}, concat(figures, "distinct_users"));
    // The same from the rows merged per version, as the job computes both summaries.
    Dataset<Row> perVersion = VersionBreakdowns.mergedPerVersion(releases);
    assertSameFigures(expectedVersions, VersionBreakdowns.versionSummaryFromDaily(perVersion),
        new String[] {"app_version", "environment"}, concat(figures, "distinct_users", "p50_duration_ms"));
    assertSameFigures(expectedEnvironments, VersionBreakdowns.environmentSummaryFromDaily(perVersion),
        new String[] {"environment"}, concat(figures, "distinct_users"));
  }

  private static String pick(java.util.SplittableRandom random, String prefix, int n) {
    int i = random.nextInt(n + 1);
    return i == n ? null : prefix + i;
  }

  private static String[] concat(String[] a, String... b) {
    return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b))
        .toArray(String[]::new);
  }

  /** Same keys, and per key the same figures; averages within 1e-9 (summed in another order), the rest exactly. */
  private static void assertSameFigures(Dataset<Row> expected, Dataset<Row> actual, String[] keys,
      String[] figures) {
    String[] columns = concat(keys, figures);
    org.apache.spark.sql.Column[] selected = java.util.Arrays.stream(columns).map(c -> col(c))
        .toArray(org.apache.spark.sql.Column[]::new);
    SharedSpark.frames().assertDataFrameApproximateEquals(expected.select(selected).orderBy(keys[0],
            java.util.Arrays.copyOfRange(keys, 1, keys.length)),
        actual.select(selected).orderBy(keys[0], java.util.Arrays.copyOfRange(keys, 1, keys.length)), 1e-9);
  }

  @Test
  void flatTracesNameColumnsSafely() {
    assertEquals("meta_mlflow_source_type", io.tracelake.config.FlattenedKeys.columnName("meta_", "mlflow.source.type"));
    assertEquals("tag_query_category", io.tracelake.config.FlattenedKeys.columnName("tag_", "Query Category"));
    Dataset<Row> flat = FlatTraces.flatten(traces, io.tracelake.config.ConfigLoader.defaults());
    assertEquals(List.of("category", "meta_app_version", "meta_deployment_id", "tag_query_category"),
        List.of(flat.columns()).subList(FlatTraces.BASE.size(), flat.columns().length));
  }
}
