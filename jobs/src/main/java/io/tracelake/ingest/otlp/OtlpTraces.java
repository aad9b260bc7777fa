package io.tracelake.ingest.otlp;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.files.DetectedFile;
import io.tracelake.ingest.files.HadoopConfHolder;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.schema.QuarantineColumns;
import io.tracelake.schema.TraceSchemas;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import scala.Tuple2;

/**
 * OpenTelemetry OTLP/JSON files (the Collector's file exporter) into traces, in two steps with the warehouse between
 * them: {@link #read} turns the files into one row per span (and per unreadable record), which ingest adds to the
 * {@code otlp_spans} table; {@link #assemble} then builds each touched trace from every span received for it so far,
 * in this run or an earlier one. A trace whose spans arrive over several runs so ends complete and exact.
 */
public final class OtlpTraces {

  private OtlpTraces() {}

  /**
   * Input: OTLP/JSON files. Grain: one row per span, per record that could not be read, per line of another signal.
   * Output: {@link OtlpSpanRows#SCHEMA}. One Spark task per file.
   */
  public static Dataset<Row> read(SparkSession spark, List<DetectedFile> files, TracelakeConfig config) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    HadoopConfHolder conf = new HadoopConfHolder(spark.sparkContext().hadoopConfiguration());
    JavaRDD<Row> rows = jsc.parallelize(files, Math.max(1, files.size()))
        .flatMap(new OtlpLineReader(conf, ReadLimits.of(config.ingest())));
    return spark.createDataFrame(rows, OtlpSpanRows.SCHEMA);
  }

  /**
   * Input: every span received for the traces to build ({@link OtlpSpanRows#SPAN_COLUMNS}, one row per trace key and
   * span id). Grain: one row per trace key. Output: {@link TraceSchemas#PARSED_RECORD} rows, as the export reader
   * makes them (see {@link OtlpTraceBuilder} for how a trace's info comes from its spans).
   */
  public static Dataset<Row> assemble(SparkSession spark, Dataset<Row> spans, TracelakeConfig config,
      boolean withSpans) {
    return assemble(spark, spans, null, config, withSpans);
  }

  /**
   * {@link #assemble(SparkSession, Dataset, TracelakeConfig, boolean)} with what a table of annotations holds for
   * each trace: {@code overlays} has one row per trace key, {@code (trace_key, overlay)} with the overlay as JSON
   * ({@link OtelTables#overlays}); null for none.
   */
  public static Dataset<Row> assemble(SparkSession spark, Dataset<Row> spans, Dataset<Row> overlays,
      TracelakeConfig config, boolean withSpans) {
    JavaPairRDD<String, Iterable<Row>> grouped = spans.javaRDD()
        .groupBy(r -> r.getString(r.fieldIndex(OtlpSpanRows.TRACE_KEY)));
    JavaPairRDD<String, Tuple2<Iterable<Row>, Optional<String>>> withOverlays = overlays == null
        ? grouped.mapValues(v -> new Tuple2<>(v, Optional.<String>empty()))
        : grouped.leftOuterJoin(overlays.javaRDD().mapToPair(r -> new Tuple2<>(r.getString(0), r.getString(1))));
    JavaRDD<InternalRow> traces = withOverlays
        .flatMap(new OtlpTraceBuilder(config.columns().rootSpanAttributeKeys(), ReadLimits.of(config.ingest()),
            withSpans, TraceCost.Prices.of(config.cost().prices())));
    return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(traces.rdd(),
        TraceSchemas.PARSED_RECORD, false);
  }

  /** The rows of kind {@code rejection} as {@link TraceSchemas#PARSED_RECORD} rejections. */
  public static Dataset<Row> rejections(Dataset<Row> rows) {
    return rows.where(col(OtlpSpanRows.KIND).equalTo(OtlpSpanRows.KIND_REJECTION))
        .select(lit(null).cast(TraceSchemas.PARSED_RECORD.apply("trace").dataType()).as("trace"),
            struct(col(QuarantineColumns.SOURCE_FILE), col(QuarantineColumns.POSITION),
                col(QuarantineColumns.LINE_NUMBER), lit(0).as("split_index"), col(QuarantineColumns.REASON),
                col(QuarantineColumns.DETAIL), col(QuarantineColumns.RAW), col(QuarantineColumns.RAW_TRUNCATED))
                .as("rejection"),
            lit(null).cast(TraceSchemas.SPLIT_STATS).as("split_stats"));
  }

  /** The span rows' columns kept in {@code otlp_spans}. */
  public static Dataset<Row> spans(Dataset<Row> rows) {
    return rows.where(col(OtlpSpanRows.KIND).equalTo(OtlpSpanRows.KIND_SPAN))
        .selectExpr(OtlpSpanRows.SPAN_COLUMNS.fieldNames());
  }
}
