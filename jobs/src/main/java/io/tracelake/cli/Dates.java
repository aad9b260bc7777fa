package io.tracelake.cli;

import io.tracelake.UserInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Parses date and time options with one clear line on a bad value. */
final class Dates {

  private Dates() {}

  static LocalDate date(String option, String value) {
    if (value == null) {
      return null;
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new UserInputException("Invalid " + option + " '" + value + "': expected a UTC date like 2025-11-30");
    }
  }

  /** Fails with one line when both ends of a {@code --from/--to} range are given and {@code from} is after {@code to}. */
  static void checkRange(LocalDate from, LocalDate to) {
    if (from != null && to != null && from.isAfter(to)) {
      throw new UserInputException("Invalid range: --from " + from + " is after --to " + to);
    }
  }

  static Instant instant(String option, String value) {
    if (value == null) {
      return Instant.now();
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(value).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new UserInputException("Invalid " + option + " '" + value
            + "': expected an RFC 3339 time like 2025-12-12T18:00:00Z or a date like 2025-12-12");
      }
    }
  }
}
