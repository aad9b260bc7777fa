package io.tracelake.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.IngestJob;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code active_users} and {@code user_retention} against a computation in plain Java over the same traces, after an
 * incremental sequence whose last delivery is late: old dates, a new user weeks back, and a known user's trace before
 * their first one — which changes the next 27 days' {@code wau}/{@code mau}, the user's {@code new_users} date and
 * the cohorts.
 */
class ActiveUsersTest {

  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

  /** A trace as the tables see it: its UTC date, environment (null: none) and user (null: none). */
  record Trace(String id, LocalDate date, String environment, String user) {}

  private static final LocalDate START = LocalDate.parse("2025-10-01");  // a Wednesday
  private static final String[] ENVIRONMENTS = {"production", "production", "production", "staging", null};

  @Test
  void activeUsersAndRetentionEqualAPlainComputationAfterALateDelivery() throws IOException {
    Random random = new Random(11);
    List<Trace> onTime = new ArrayList<>();
    for (int day = 0; day < 45; day++) {
      if (day == 20) {
        continue;  // a date without any trace: a row of zeros between two dates with traces
      }
      int traces = 1 + random.nextInt(5);
      for (int i = 0; i < traces; i++) {
        String user = random.nextInt(10) == 0 ? null : "u" + random.nextInt(4 + day / 3);
        onTime.add(new Trace("t-" + onTime.size(), START.plusDays(day),
            ENVIRONMENTS[random.nextInt(ENVIRONMENTS.length)], user));
      }
    }
    String known = onTime.stream().filter(t -> t.user() != null && t.date().isAfter(START.plusDays(30)))
        .map(Trace::user).findFirst().orElseThrow();
    List<Trace> late = List.of(
        new Trace("late-1", START.plusDays(3), "production", "late-newcomer"),
        new Trace("late-2", START.plusDays(9), "staging", "late-newcomer"),
        new Trace("late-3", START.plusDays(2), "production", known),
        new Trace("late-4", START.plusDays(12), null, null));

    Path dir = SharedSpark.tempDir("wh-active");
    Path exports = SharedSpark.tempDir("active-exports");
    Warehouse warehouse = null;
    for (List<Trace> delivery : List.of(onTime, late)) {
      Path file = exports.resolve("delivery-" + delivery.size() + ".jsonl");
      Files.write(file, delivery.stream().map(ActiveUsersTest::line).toList());
      IngestJob.run(spark, config, new IngestJob.Options(List.of(file.toString()), dir.toString(), null));
      warehouse = Warehouse.openForRead(spark, dir.toString());
      AnalyticsJob.run(spark, config, warehouse, AnalyticsJob.pendingDates(warehouse));
    }
    List<Trace> all = new ArrayList<>(onTime);
    all.addAll(late);

    Map<String, List<Object>> expectedActive = expectedActiveUsers(all);
    Map<String, List<Object>> actualActive = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.ACTIVE_USERS).collectAsList()) {
      actualActive.put(r.getAs("activity_date") + "|" + r.getAs("environment"), List.of(r.getAs("dau"),
          r.getAs("wau"), r.getAs("mau"), r.getAs("new_users"), r.getAs("returning_users"),
          Objects.toString(r.getAs("stickiness")), r.getAs("anonymous_traces")));
    }
    assertEquals(expectedActive, actualActive);
    assertTrue(actualActive.containsKey(START.plusDays(20) + "|ALL"), "the date without traces has its row");
    assertEquals(0L, actualActive.get(START.plusDays(20) + "|ALL").get(0), "no one active on the empty date");

    Map<String, List<Object>> expectedRetention = expectedRetention(all);
    Map<String, List<Object>> actualRetention = new TreeMap<>();
    for (Row r : warehouse.read(AnalyticsTables.USER_RETENTION).collectAsList()) {
      actualRetention.put(r.getAs("cohort_week") + "|" + r.getAs("week_offset") + "|" + r.getAs("environment"),
          List.of(r.getAs("cohort_users"), r.getAs("retained_users"), Objects.toString(r.getAs("retention_rate"))));
    }
    assertEquals(expectedRetention, actualRetention);
  }

  private static String line(Trace t) {
    StringBuilder metadata = new StringBuilder("\"app_version\": \"1.0.0\"");
    if (t.user() != null) {
      metadata.append(", \"mlflow.trace.user\": \"").append(t.user()).append('"');
    }
    if (t.environment() != null) {
      metadata.append(", \"mlflow.source.type\": \"").append(t.environment()).append('"');
    }
    return "{\"info\": {\"trace_id\": \"" + t.id() + "\", \"request_time\": \"" + t.date() + "T12:00:00Z\", "
        + "\"state\": \"OK\", \"execution_duration_ms\": 100, \"trace_metadata\": {" + metadata + "}}}";
  }

  /** The scopes a trace counts in: its environment (null included) and ALL. */
  private static List<String> scopes(Trace t) {
    List<String> scopes = new ArrayList<>();
    scopes.add(t.environment());
    scopes.add(ActiveUsers.ALL);
    return scopes;
  }

  private static Map<String, List<Trace>> byScope(List<Trace> traces) {
    Map<String, List<Trace>> byScope = new HashMap<>();
    for (Trace t : traces) {
      for (String scope : scopes(t)) {
        byScope.computeIfAbsent(scope, k -> new ArrayList<>()).add(t);
      }
    }
    return byScope;
  }

  private static Map<String, List<Object>> expectedActiveUsers(List<Trace> traces) {
    Map<String, List<Object>> expected = new TreeMap<>();
    byScope(traces).forEach((scope, inScope) -> {
      LocalDate first = inScope.stream().map(Trace::date).min(LocalDate::compareTo).orElseThrow();
      LocalDate last = inScope.stream().map(Trace::date).max(LocalDate::compareTo).orElseThrow();
      Map<String, LocalDate> firstSeen = new HashMap<>();
      for (Trace t : inScope) {
        if (t.user() != null) {
          firstSeen.merge(t.user(), t.date(), (a, b) -> a.isBefore(b) ? a : b);
        }
      }
      for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
        LocalDate day = d;
        long dau = usersBetween(inScope, day, day).size();
        long wau = usersBetween(inScope, day.minusDays(6), day).size();
        long mau = usersBetween(inScope, day.minusDays(27), day).size();
        long newUsers = firstSeen.values().stream().filter(day::equals).count();
        long anonymous = inScope.stream().filter(t -> t.date().equals(day) && t.user() == null).count();
        expected.put(day + "|" + scope, List.of(dau, wau, mau, newUsers, dau - newUsers,
            mau == 0 ? "null" : String.valueOf((double) dau / mau), anonymous));
      }
    });
    return expected;
  }

  private static Set<String> usersBetween(List<Trace> traces, LocalDate from, LocalDate to) {
    Set<String> users = new HashSet<>();
    for (Trace t : traces) {
      if (t.user() != null && !t.date().isBefore(from) && !t.date().isAfter(to)) {
        users.add(t.user());
      }
    }
    return users;
  }

  private static LocalDate monday(LocalDate d) {
    return d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
  }

  private static Map<String, List<Object>> expectedRetention(List<Trace> traces) {
    Map<String, List<Object>> expected = new TreeMap<>();
    byScope(traces).forEach((scope, inScope) -> {
      LocalDate lastWeek = monday(inScope.stream().map(Trace::date).max(LocalDate::compareTo).orElseThrow());
      Map<String, Set<LocalDate>> weeks = new HashMap<>();
      for (Trace t : inScope) {
        if (t.user() != null) {
          weeks.computeIfAbsent(t.user(), k -> new HashSet<>()).add(monday(t.date()));
        }
      }
      Map<LocalDate, List<String>> cohorts = new HashMap<>();
      weeks.forEach((user, active) -> cohorts.computeIfAbsent(active.stream().min(LocalDate::compareTo)
          .orElseThrow(), k -> new ArrayList<>()).add(user));
      cohorts.forEach((cohort, users) -> {
        long offsets = ChronoUnit.WEEKS.between(cohort, lastWeek);
        for (int offset = 0; offset <= offsets; offset++) {
          LocalDate week = cohort.plusWeeks(offset);
          long retained = users.stream().filter(u -> weeks.get(u).contains(week)).count();
          expected.put(cohort + "|" + offset + "|" + scope, List.of((long) users.size(), retained,
              String.valueOf((double) retained / users.size())));
        }
      });
    });
    return expected;
  }
}
