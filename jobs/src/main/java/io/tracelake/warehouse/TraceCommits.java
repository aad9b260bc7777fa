package io.tracelake.warehouse;

import io.tracelake.warehouse.DeltaCommits.Commit;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * The request dates each commit to {@code traces} touched, carried in the commit itself: Delta's commit user metadata
 * ({@code commitInfo.userMetadata}) is written in the same atomic log entry as the data, so a crash can never leave
 * rows changed without their dates on record, nor dates on record without their rows.
 */
public final class TraceCommits {

  private static final String USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";
  private static final String PREFIX = "tracelake.touched_dates=";
  /** Operations that never change rows: commits of these need no dates. */
  private static final Set<String> NO_DATA_CHANGE = Set.of("CREATE TABLE", "OPTIMIZE", "VACUUM START",
      "VACUUM END", "SET TBLPROPERTIES", "UNSET TBLPROPERTIES", "ADD CONSTRAINT", "DROP CONSTRAINT", "CHANGE COLUMN",
      "ADD COLUMNS", "UPGRADE PROTOCOL", "CREATE OR REPLACE TABLE");

  private TraceCommits() {}

  /**
   * Runs a write to {@code traces} whose commit records {@code dates}. Delta takes the commit metadata from the
   * session setting for every kind of write (MERGE included), so it is set for the write and restored after.
   */
  public static <T> T withTouchedDates(SparkSession spark, Collection<LocalDate> dates, Supplier<T> write) {
    String before = spark.conf().getOption(USER_METADATA).getOrElse(() -> null);
    spark.conf().set(USER_METADATA, PREFIX + dates.stream().sorted().map(LocalDate::toString)
        .collect(Collectors.joining(",")));
    try {
      return write.get();
    } finally {
      if (before == null) {
        spark.conf().unset(USER_METADATA);
      } else {
        spark.conf().set(USER_METADATA, before);
      }
    }
  }

  /** The latest version of {@code traces}. */
  public static long latestVersion(Warehouse warehouse) {
    return warehouse.version(TableNames.TRACES);
  }

  /**
   * The dates touched by the commits after {@code afterVersion} up to {@code upToVersion}; empty when that cannot be
   * known (a commit without dates that may have changed rows, e.g. one written by another tool, or commits already
   * removed from the log), in which case every date must be treated as touched.
   */
  public static Optional<Set<LocalDate>> touchedDates(Warehouse warehouse, long afterVersion, long upToVersion) {
    if (upToVersion <= afterVersion) {
      return Optional.of(Set.of());
    }
    List<Commit> commits = commitsBetween(warehouse, afterVersion, upToVersion);
    if (commits.size() != upToVersion - afterVersion) {
      return Optional.empty();  // some commits are gone from the log (log retention)
    }
    Set<LocalDate> dates = new HashSet<>();
    for (Commit commit : commits) {
      String metadata = commit.userMetadata();
      if (metadata != null && metadata.startsWith(PREFIX)) {
        String list = metadata.substring(PREFIX.length());
        if (!list.isEmpty()) {
          for (String d : list.split(",")) {
            dates.add(LocalDate.parse(d));
          }
        }
      } else if (!NO_DATA_CHANGE.contains(commit.operation())) {
        return Optional.empty();
      }
    }
    return Optional.of(dates);
  }

  /** The commits to {@code traces} after one version up to another. */
  private static List<Commit> commitsBetween(Warehouse warehouse, long afterVersion, long upToVersion) {
    return DeltaCommits.after(warehouse.spark(), warehouse.path(TableNames.TRACES), afterVersion).stream()
        .filter(c -> c.version() <= upToVersion).toList();
  }

}
