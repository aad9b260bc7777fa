package io.tracelake.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracelake.SharedSpark;
import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.analytics.AnalyticsTables;
import io.tracelake.analytics.DateSelection;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Re-deliveries that change who or what a trace belongs to, and a mapping change followed by a re-read: after the
 * incremental runs, every table equals a fresh full run over the same files (under the mapping in force).
 */
class ChangedIdentityTest {

  private final SparkSession spark = SharedSpark.session();

  /**
   * Each moving trace is first delivered in progress, then finished with another user, session, version or
   * environment (from nothing, to another value, to nothing); the finished version wins, and every table loses the
   * trace where it was and gains it where it is now — a user, session or release left without traces disappears.
   */
  @Test
  void aFresherVersionThatMovesATraceMovesItInEveryTable() throws IOException {
    TracelakeConfig config = ConfigLoader.defaults();
    Path exports = SharedSpark.tempDir("moves-exports");
    List<String> base = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String day = i % 2 == 0 ? "01" : "02";
      base.add(trace("tr-base-" + i, "2025-12-" + day + "T10:" + String.format("%02d", i) + ":00Z", "OK",
          "u" + (i % 3), "s-base-" + (i % 4), i % 2 == 0 ? "1.0" : "2.0", i % 3 == 0 ? "JOB" : "NOTEBOOK"));
    }
    // id, day, then (user, session, version, environment) before and after; null: not set.
    String[][] moves = {
        {"tr-from-nothing", "01", null, null, null, null, "u0", "s-base-0", "2.0", "JOB"},
        {"tr-user", "01", "u1", null, "1.0", "JOB", "u-new", null, "1.0", "JOB"},
        {"tr-only-of-its-user", "02", "u-gone", null, "1.0", "JOB", "u2", null, "1.0", "JOB"},
        {"tr-to-no-user", "02", "u1", "s-base-1", "2.0", "JOB", null, "s-base-1", "2.0", "JOB"},
        {"tr-only-of-its-session", "01", "u1", "s-gone", "1.0", "JOB", "u1", "s-base-2", "1.0", "JOB"},
        {"tr-first-turn-leaves", "01", "u2", "s-base-3", "1.0", "JOB", "u2", "s-new", "1.0", "JOB"},
        {"tr-to-no-session", "02", "u0", "s-base-0", "2.0", "JOB", "u0", null, "2.0", "JOB"},
        {"tr-version", "01", "u0", null, "0.9", "JOB", "u0", null, "3.0", "JOB"},
        {"tr-environment", "02", "u1", null, "2.0", "NOTEBOOK", "u1", null, "2.0", "STAGING"},
    };
    List<String> inProgress = new ArrayList<>();
    List<String> finishedDay1 = new ArrayList<>();
    List<String> finishedDay2 = new ArrayList<>();
    for (String[] m : moves) {
      // Early in the day: a moving trace is its session's first turn, so renumbering shows.
      String time = "2025-12-" + m[1] + "T00:0" + inProgress.size() + ":00Z";
      inProgress.add(trace(m[0], time, "IN_PROGRESS", m[2], m[3], m[4], m[5]));
      (m[1].equals("01") ? finishedDay1 : finishedDay2).add(trace(m[0], time, "OK", m[6], m[7], m[8], m[9]));
    }
    base.addAll(inProgress);
    Map<String, List<String>> deliveries = new LinkedHashMap<>();
    deliveries.put("1-base.jsonl", base);
    deliveries.put("2-finished-day1.jsonl", finishedDay1);
    deliveries.put("3-finished-day2.jsonl", finishedDay2);

    Path incremental = SharedSpark.tempDir("moves-incremental");
    for (Map.Entry<String, List<String>> d : deliveries.entrySet()) {
      Path file = exports.resolve(d.getKey());
      Files.write(file, d.getValue());
      run(config, incremental, file.toString(), false);
    }
    Path full = SharedSpark.tempDir("moves-full");
    run(config, full, exports.toString(), false);

    assertEquals(List.of(), CompareWarehouses.differences(spark, full.toString(), incremental.toString(),
        System.out::println));
    Warehouse wh = Warehouse.openForRead(spark, incremental.toString());
    assertEquals(0, wh.read(AnalyticsTables.USER_SUMMARY).where("user_id = 'u-gone'").count(),
        "a user whose only trace moved away has no summary row");
    assertEquals(0, wh.read(AnalyticsTables.SESSIONS).where("session_id = 's-gone'").count(),
        "a session whose only trace moved away has no row");
  }

  /**
   * A mapping change, then {@code --reread}: every trace carries the user the new mapping gives it, identical
   * content or not (before, the freshness tie-break on the record hash kept the old mapping for about half).
   */
  @Test
  void aReReadAfterAMappingChangeGivesEveryTraceTheMappingInForce() throws IOException {
    Path exports = SharedSpark.tempDir("mapping-exports");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String line = trace("tr-map-" + i, "2025-12-0" + (1 + i % 3) + "T08:" + String.format("%02d", i) + ":00Z",
          "OK", "u" + (i % 5), "s" + (i % 7), "1.0", "JOB");
      if (i % 3 != 0) {
        line = line.replace("\"mlflow.trace.user\"", "\"account\": \"acct-" + (i % 4) + "\", \"mlflow.trace.user\"");
      }
      lines.add(line);
    }
    Files.write(exports.resolve("export.jsonl"), lines);
    TracelakeConfig remapped = ConfigLoader.load(null, Map.of("columns.user_id.metadata",
        "[account, mlflow.trace.user]"));

    Path reread = SharedSpark.tempDir("mapping-reread");
    run(ConfigLoader.defaults(), reread, exports.toString(), false);
    run(remapped, reread, exports.toString(), true);
    Path fresh = SharedSpark.tempDir("mapping-fresh");
    run(remapped, fresh, exports.toString(), false);

    assertEquals(List.of(), CompareWarehouses.differences(spark, fresh.toString(), reread.toString(),
        System.out::println));
    assertEquals(26, Warehouse.openForRead(spark, reread.toString()).read("traces")
        .where("user_id LIKE 'acct-%'").count(), "every trace with an account carries it as its user");
  }

  private void run(TracelakeConfig config, Path warehouse, String input, boolean reread) {
    IngestJob.run(spark, config, new IngestJob.Options(List.of(input), warehouse.toString(), null, reread));
    Warehouse wh = Warehouse.openForRead(spark, warehouse.toString());
    DateSelection pending = AnalyticsJob.pendingDates(wh);
    AnalyticsJob.run(spark, config, wh, pending);
  }

  private static String trace(String id, String time, String state, String user, String session, String version,
      String environment) {
    List<String> metadata = new ArrayList<>();
    if (user != null) {
      metadata.add("\"mlflow.trace.user\": \"" + user + "\"");
    }
    if (session != null) {
      metadata.add("\"mlflow.trace.session\": \"" + session + "\"");
    }
    if (version != null) {
      metadata.add("\"app_version\": \"" + version + "\"");
    }
    if (environment != null) {
      metadata.add("\"mlflow.source.type\": \"" + environment + "\"");
    }
    String duration = state.equals("OK") ? ", \"execution_duration_ms\": 1200" : "";
    return "{\"info\": {\"trace_id\": \"" + id + "\", \"request_time\": \"" + time + "\", \"state\": \"" + state
        + "\"" + duration + ", \"trace_metadata\": {" + String.join(", ", metadata) + "}, \"tags\": {}},"
        + " \"data\": {\"spans\": []}}";
  }
}
