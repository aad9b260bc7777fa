package io.tracelake.warehouse;

import io.delta.exceptions.DeltaConcurrentModificationException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.spark.SparkThrowable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a table write that lost a race with another writer. Delta's optimistic concurrency rejects a commit whose
 * reads another commit changed ({@link DeltaConcurrentModificationException}); every Tracelake write can simply run
 * again, because each one is idempotent (a MERGE by key that re-checks freshness, {@code replaceWhere} of recomputed
 * dates, an overwrite of a small summary). Bounded: {@value #ATTEMPTS} attempts with exponential back-off and jitter,
 * then a {@link ConcurrentWriterException} with one line for the person who started the run.
 */
public final class ConcurrentWrites {

  static final int ATTEMPTS = 6;
  private static final long FIRST_BACKOFF_MS = 250;
  private static final Logger LOG = LoggerFactory.getLogger("io.tracelake");
  /**
   * A folder with files but no commit yet: another process is creating the table there this moment, or (when it
   * stays so through every attempt) a folder that is not a Delta table, which Delta's own message then names.
   */
  private static final Set<String> NOT_YET_A_TABLE = Set.of("DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",
      "DELTA_MISSING_DELTA_TABLE");
  /** What a table being created by another process at the same moment looks like from here. */
  private static final Set<String> CREATION_RACES = Set.of("DELTA_TABLE_NOT_FOUND", "DELTA_MISSING_DELTA_TABLE",
      "DELTA_TABLE_ALREADY_EXISTS", "DELTA_PATH_EXISTS", "DELTA_CREATE_TABLE_SCHEME_MISMATCH",
      "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION");

  /** Raised when a write kept losing to another writer; the tables are as the other writer left them. */
  public static final class ConcurrentWriterException extends RuntimeException {
    ConcurrentWriterException(String table, Throwable cause) {
      super("another writer kept changing table " + table + " at the same time (" + ATTEMPTS + " attempts); "
          + "every table is consistent, and running the command again is safe", cause);
    }
  }

  /**
   * Raised when a job's write was skipped because a run that started later has already written the table: this run
   * computed from an older snapshot, and writing it would put older figures over newer ones.
   */
  public static final class SupersededException extends RuntimeException {
    SupersededException(String table) {
      super("an analytics run that started later has already written table " + table + "; this run's figures are "
          + "older and were not written there, and it stops without recording itself as finished: every table is "
          + "consistent, and running the command again is safe");
    }
  }

  private ConcurrentWrites() {}

  /** Runs a write to {@code table}, again after a conflict with a concurrent writer. */
  public static <T> T retrying(String table, Supplier<T> write) {
    return retrying(table, false, write);
  }

  /** {@link #retrying}, for the creation of a table, which may also race with its creation elsewhere. */
  static <T> T retryingCreation(String table, Supplier<T> create) {
    return retrying(table, true, create);
  }

  public static void retrying(String table, Runnable write) {
    retrying(table, false, () -> {
      write.run();
      return null;
    });
  }

  /**
   * Runs a write once; empty when it lost to a concurrent writer (the caller then takes a path that tolerates the
   * other writer's rows). Any other failure is thrown.
   */
  public static <T> java.util.Optional<T> unlessAnotherWriterWins(String table, Supplier<T> write) {
    return once(table, false, write);
  }

  /**
   * Runs the write that creates a table once; empty when another process created the table meanwhile (the caller
   * then writes into the existing table). Any other failure is thrown.
   */
  static <T> java.util.Optional<T> unlessCreatedElsewhere(String table, Supplier<T> create) {
    return once(table, true, create);
  }

  private static <T> java.util.Optional<T> once(String table, boolean creation, Supplier<T> write) {
    try {
      return java.util.Optional.of(write.get());
    } catch (Exception e) {
      if (!isConflict(e, creation)) {
        throw ConcurrentWrites.<RuntimeException>rethrow(e);
      }
      LOG.info("[warehouse] another writer committed to {} first; writing into what it committed", table);
      return java.util.Optional.empty();
    }
  }

  private static <T> T retrying(String table, boolean creation, Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (Exception e) {  // Scala code (Delta, Spark) also throws checked exceptions such as AnalysisException
        if (!isConflict(e, creation)) {
          throw ConcurrentWrites.<RuntimeException>rethrow(e);
        }
        if (attempt == ATTEMPTS) {
          if (creation && hasCondition(e, NOT_YET_A_TABLE)) {
            throw ConcurrentWrites.<RuntimeException>rethrow(e);
          }
          throw new ConcurrentWriterException(table, e);
        }
        long backoff = FIRST_BACKOFF_MS << (attempt - 1);
        backoff += ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        LOG.info("[warehouse] another writer committed to {} first; trying again in {} ms (attempt {} of {})",
            table, backoff, attempt + 1, ATTEMPTS);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new ConcurrentWriterException(table, e);
        }
      }
    }
  }

  private static boolean hasCondition(Throwable e, Set<String> conditions) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SparkThrowable s && s.getCondition() != null && conditions.contains(s.getCondition())) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E rethrow(Exception e) throws E {
    throw (E) e;
  }

  static boolean isConflict(Throwable e, boolean creation) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DeltaConcurrentModificationException) {
        return true;
      }
      if (creation && t instanceof SparkThrowable s && s.getCondition() != null
          && CREATION_RACES.contains(s.getCondition())) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
