package io.tracelake.search;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Filter, order and limit over the traces table, as {@code mlflow.search_traces()} does over a tracking server. */
public final class TraceSearch {

  private TraceSearch() {}

  /**
   * Input: {@code traces} rows. Output: the rows matching {@code where}, ordered by {@code order}, at most
   * {@code maxResults} (filter and order parsed by {@link TraceFilter} and {@link TraceOrder}, so that a command checks
   * them before Spark starts).
   */
  public static Dataset<Row> search(Dataset<Row> traces, Column where, Column[] order, int maxResults) {
    return traces.where(where).orderBy(order).limit(maxResults);
  }

  /**
   * Applies a filter string to a frame with the traces table's columns (span clauses read {@code spans}); null or
   * blank keeps every row.
   */
  public static Dataset<Row> filter(Dataset<Row> traces, SpanSource spans, String filter) {
    return filter == null || filter.isBlank() ? traces : traces.where(TraceFilter.parse(filter, spans));
  }
}
