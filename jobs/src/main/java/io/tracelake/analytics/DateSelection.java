package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;

/**
 * Which UTC dates an analytics run recomputes: all dates, an inclusive range, or a set (the dates an ingest touched).
 * Gives both a {@link Column} predicate and the SQL text Delta's {@code replaceWhere} takes; the text is built only
 * from {@link LocalDate} values, never from user strings.
 */
public final class DateSelection {

  private final LocalDate from;
  private final LocalDate to;
  private final List<LocalDate> dates;

  private DateSelection(LocalDate from, LocalDate to, List<LocalDate> dates) {
    this.from = from;
    this.to = to;
    this.dates = dates;
  }

  public static DateSelection all() {
    return new DateSelection(null, null, null);
  }

  /** An inclusive range; either end may be null (open). */
  public static DateSelection range(LocalDate from, LocalDate to) {
    return new DateSelection(from, to, null);
  }

  public static DateSelection of(List<LocalDate> dates) {
    return new DateSelection(null, null, List.copyOf(dates));
  }

  public boolean isAll() {
    return from == null && to == null && dates == null;
  }

  /** The selected dates of a set selection ({@link #of}); null for all dates or a range. */
  public List<LocalDate> dates() {
    return dates;
  }

  public boolean isEmpty() {
    return dates != null && dates.isEmpty();
  }

  public Column predicate(String dateColumn) {
    if (dates != null) {
      return dates.isEmpty() ? lit(false) : col(dateColumn).isin(dates.toArray());
    }
    Column p = lit(true);
    if (from != null) {
      p = p.and(col(dateColumn).geq(lit(java.sql.Date.valueOf(from))));
    }
    if (to != null) {
      p = p.and(col(dateColumn).leq(lit(java.sql.Date.valueOf(to))));
    }
    return p;
  }

  /** Whether a date is selected (the same test as {@link #predicate}). */
  public boolean contains(LocalDate date) {
    if (dates != null) {
      return dates.contains(date);
    }
    return (from == null || !date.isBefore(from)) && (to == null || !date.isAfter(to));
  }

  /** The same predicate as SQL text for {@code replaceWhere}. */
  public String sql(String dateColumn) {
    if (dates != null) {
      return dates.isEmpty() ? "false" : dateColumn + " IN (" + dates.stream().map(d -> "DATE'" + d + "'")
          .collect(Collectors.joining(", ")) + ")";
    }
    String p = "true";
    if (from != null) {
      p += " AND " + dateColumn + " >= DATE'" + from + "'";
    }
    if (to != null) {
      p += " AND " + dateColumn + " <= DATE'" + to + "'";
    }
    return p;
  }

  @Override
  public String toString() {
    if (dates != null) {
      return dates.isEmpty() ? "no dates" : dates.size() == 1 ? dates.get(0).toString()
          : dates.size() + " dates from " + dates.get(0) + " to " + dates.get(dates.size() - 1);
    }
    if (isAll()) {
      return "all dates";
    }
    return (from == null ? "the first date" : from.toString()) + " to " + (to == null ? "the last date" : to);
  }
}
