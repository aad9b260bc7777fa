package io.tracelake.search;

import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where span filter clauses ({@code span.name = 'x'}, {@code trace.text LIKE '%x%'}) find the spans: asked only when a
 * filter has such a clause, so a filter without one never touches the spans table.
 */
@FunctionalInterface
public interface SpanSource {

  /** The {@code spans} table; throws {@link Missing} with the reason when there is none. */
  Dataset<Row> spans();

  /** No spans table to filter on. */
  final class Missing extends RuntimeException {
    public Missing(String why) {
      super(why);
    }
  }

  /** The spans table of a warehouse. */
  static SpanSource of(Warehouse warehouse) {
    return () -> {
      if (!warehouse.exists(TableNames.SPANS)) {
        throw new Missing("warehouse " + warehouse.root() + " has no spans table (it is written by ingest unless "
            + "ingest.spans is false; re-read older exports with 'ingest --reread')");
      }
      return warehouse.read(TableNames.SPANS);
    };
  }
}
