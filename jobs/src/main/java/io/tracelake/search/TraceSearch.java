package io.tracelake.search;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Filter, order and limit over the traces table, as {@code mlflow.search_traces()} does over a tracking server. */
public final class TraceSearch {

  private TraceSearch() {}

  /**
   * Input: {@code traces} rows. Output: the rows matching {@code filter} (MLflow syntax; null for all), ordered by
   * {@code orderBy} (default newest first), at most {@code maxResults}. Parses both strings before any job runs.
   */
  public static Dataset<Row> search(Dataset<Row> traces, SpanSource spans, String filter, List<String> orderBy,
      int maxResults) {
    return search(traces, TraceFilter.parse(filter, spans), TraceOrder.parse(orderBy), maxResults);
  }

  /** As above, with the filter and order already parsed (so that a command can check them before Spark starts). */
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
