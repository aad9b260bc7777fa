package io.tracelake.ingest.files;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.ingest.mlflow.RecordContext;
import io.tracelake.ingest.mlflow.TraceRecordReader;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Reads rows of a frame of traces: a saved {@code search_traces()} Parquet file, or a table in the shape of MLflow's
 * trace unified view ({@link InputTables}). Each row comes as {@code (json, source, position, shape)}, where
 * {@code json} is the row as JSON text: the same record reader then takes the {@code trace} column (or, without it,
 * the row's own columns: {@code trace_id}, {@code request_time}, {@code trace_metadata}, ...).
 */
final class FrameRowParser implements FlatMapFunction<Iterator<Row>, InternalRow> {

  private final List<String> rootAttributeKeys;
  private final ReadLimits limits;
  private final boolean captureSpans;
  private final TraceCost.Prices prices;

  FrameRowParser(List<String> rootAttributeKeys, ReadLimits limits, boolean captureSpans,
      TraceCost.Prices prices) {
    this.captureSpans = captureSpans;
    this.prices = prices;
    this.rootAttributeKeys = List.copyOf(rootAttributeKeys);
    this.limits = limits;
  }

  @Override
  public Iterator<InternalRow> call(Iterator<Row> input) {
    TraceRecordReader reader = new TraceRecordReader(rootAttributeKeys, limits, captureSpans, prices);
    RowQueue queue = new RowQueue("", 0, limits.rawMaxChars());
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        while (queue.isEmpty() && input.hasNext()) {
          parse(input.next());
        }
        return !queue.isEmpty();
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return queue.poll();
      }

      private void parse(Row row) {
        String json = row.getString(0);
        String file = row.getString(1);
        String position = row.getString(2);
        queue.forFile(file);
        try (JsonParser p = reader.factory().createParser(json)) {
          p.nextToken();
          reader.readValue(p, position, () -> json, new RecordContext(file, row.getString(3)), queue);
        } catch (StreamConstraintsException e) {
          queue.reject(QuarantineReason.OVER_LIMIT, reader.limits().describe(e), json, position);
        } catch (JsonProcessingException e) {
          queue.reject(QuarantineReason.MALFORMED_JSON, JsonValues.firstLine(e.getOriginalMessage()), json,
              position);
        } catch (IOException e) {
          queue.reject(QuarantineReason.UNREADABLE_FILE, e.getMessage(), null, position);
        }
      }
    };
  }
}
