package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.tracelake.ingest.otlp.OtlpSpanRows;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The {@code otlp_spans} table: every span received in OTLP/JSON files, one row per trace key and span id
 * ({@link OtlpSpanRows#SPAN_COLUMNS}). OpenTelemetry exports a trace's spans as they end, so one trace's spans can sit
 * in several files and arrive over several runs; each run adds its spans here first and then rebuilds every trace it
 * touched from all of that trace's spans, so that a trace is the same whatever the order its spans arrived in.
 */
public final class OtlpSpanStaging {

  private OtlpSpanStaging() {}

  /**
   * Adds this run's spans (one Delta transaction; a span received again replaces the one held, as a re-delivery
   * does; the table is created by its first write), then returns every span held for the traces those spans belong
   * to, this run's included.
   *
   * @param spans {@link OtlpSpanRows#SPAN_COLUMNS} rows; a span twice in the batch counts once (the one from the
   *     last file and position)
   */
  public static Dataset<Row> addAndReadTouched(Warehouse warehouse, Dataset<Row> spans) {
    return addAndReadTouched(warehouse, spans, null);
  }

  /**
   * {@link #addAndReadTouched(Warehouse, Dataset)}, and the spans held for the traces of {@code alsoTouched} too
   * (a {@link OtlpSpanRows#TRACE_KEY} column, or null): traces whose annotations changed without a new span.
   */
  public static Dataset<Row> addAndReadTouched(Warehouse warehouse, Dataset<Row> spans, Dataset<Row> alsoTouched) {
    Dataset<Row> batch = spans
        .withColumn("_n", row_number().over(Window.partitionBy(OtlpSpanRows.TRACE_KEY, OtlpSpanRows.SPAN_ID)
            .orderBy(col(OtlpSpanRows.SOURCE_FILE).desc(), col(OtlpSpanRows.POSITION).desc())))
        .where(col("_n").equalTo(1)).drop("_n");
    warehouse.upsert(OtlpSpanRows.TABLE, batch, List.of(OtlpSpanRows.TRACE_KEY, OtlpSpanRows.SPAN_ID), lit(true));
    Dataset<Row> touched = spans.select(OtlpSpanRows.TRACE_KEY);
    return readTouched(warehouse,
        alsoTouched == null ? touched : touched.union(alsoTouched.select(OtlpSpanRows.TRACE_KEY)));
  }

  /**
   * Every span held for the traces of {@code keys} (a {@link OtlpSpanRows#TRACE_KEY} column); none when the table
   * does not exist yet.
   */
  public static Dataset<Row> readTouched(Warehouse warehouse, Dataset<Row> keys) {
    if (!warehouse.exists(TableNames.OTLP_SPANS)) {
      return warehouse.spark().createDataFrame(List.of(), OtlpSpanRows.SPAN_COLUMNS);
    }
    return warehouse.read(TableNames.OTLP_SPANS).join(keys.select(OtlpSpanRows.TRACE_KEY).distinct(),
        OtlpSpanRows.TRACE_KEY);
  }
}
