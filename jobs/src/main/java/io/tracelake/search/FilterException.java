package io.tracelake.search;

/**
 * A filter or order-by string that cannot be used, with one line that quotes it, points at the offending position
 * and says what is valid there, in the spirit of MLflow's {@code INVALID_PARAMETER_VALUE} messages.
 */
public final class FilterException extends RuntimeException {

  private static final int QUOTE_LIMIT = 200;

  private final int position;

  private FilterException(String message, int position) {
    super(message);
    this.position = position;
  }

  static FilterException at(String filter, int position, String problem, String valid) {
    String quoted = filter.length() <= QUOTE_LIMIT ? filter : filter.substring(0, QUOTE_LIMIT) + "...";
    return new FilterException(problem + " at position " + position + " of filter '" + oneLine(quoted)
        + "'. Valid there: " + valid + ".", position);
  }

  /** Where in the filter the problem is (0-based character offset). */
  public int position() {
    return position;
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }
}
