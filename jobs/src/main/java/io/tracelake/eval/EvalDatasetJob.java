package io.tracelake.eval;

import io.tracelake.export.TraceDocuments;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code eval-dataset} job, in three phases: select the records from {@code traces} ({@link EvalSelection}:
 * the filter, whole sessions, distinct inputs, the sample); write them, in file order, as JSON lines (MLflow dataset
 * records, or {@code Trace.to_json()} documents with their spans) to where the caller says; upsert them into
 * {@code eval_datasets} ({@link EvalDatasetTable}: one row per dataset and trace, never deleted). Running it again on
 * the same warehouse writes the same lines and changes no row.
 */
public final class EvalDatasetJob {

  private EvalDatasetJob() {}

  /** The lines' shape: MLflow dataset records, or whole traces. */
  public enum Format { RECORDS, TRACES }

  /** What to build: the dataset's name, how to select its records, and the lines' shape. */
  public record Options(String name, EvalSelection.Options selection, Format format) {}

  /**
   * What the job did: traces matching the filter, lines written, and the table's outcome (null when nothing matched,
   * so that nothing was written).
   */
  public record Outcome(long matching, long written, EvalDatasetTable.Outcome table) {}

  /** Where the lines go: writes them and says how many it wrote. */
  public interface LineSink {
    long write(Iterator<String> lines) throws IOException;
  }

  public static Outcome run(Warehouse warehouse, Options options, LineSink sink) throws IOException {
    Dataset<Row> traces = warehouse.read(TableNames.TRACES);
    Dataset<Row> records = EvalSelection.select(traces, options.selection()).persist();
    try {
      long matching = traces.where(options.selection().filter()).count();
      if (records.isEmpty()) {
        return new Outcome(matching, 0, null);
      }
      boolean asTraces = options.format() == Format.TRACES;
      Function<Row, String> line = asTraces ? TraceDocuments::toJson : EvalRecords::recordJson;
      Dataset<Row> out = asTraces && warehouse.exists(TableNames.SPANS)
          ? TraceDocuments.withSpans(records, warehouse.read(TableNames.SPANS)) : records;
      Iterator<Row> ordered = EvalSelection.inFileOrder(out).toLocalIterator();
      long written = sink.write(new Iterator<>() {
        @Override
        public boolean hasNext() {
          return ordered.hasNext();
        }

        @Override
        public String next() {
          return line.apply(ordered.next());
        }
      });
      EvalDatasetTable.Outcome table = EvalDatasetTable.merge(warehouse, options.name(), records,
          Instant.now().truncatedTo(ChronoUnit.MICROS));
      return new Outcome(matching, written, table);
    } finally {
      records.unpersist();
    }
  }
}
