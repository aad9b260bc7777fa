package io.tracelake.ingest.otlp;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import static io.tracelake.schema.TableSpec.column;
import static io.tracelake.schema.TableSpec.requiredColumn;

import io.tracelake.ingest.mlflow.QuarantineReason;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.schema.QuarantineColumns;
import io.tracelake.schema.TableSpec;
import io.tracelake.warehouse.TableNames;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * What reading OTLP/JSON lines yields, one row each: a span (kind {@code span}), a record that could not be read
 * (kind {@code rejection}, with its quarantine reason, detail and text) or a line of another signal (kind
 * {@code skipped}, its signal in {@code detail}).
 */
public final class OtlpSpanRows {

  private OtlpSpanRows() {}

  public static final String KIND = "kind";
  public static final String TRACE_KEY = "trace_key";
  public static final String SPAN_ID = "span_id";
  public static final String IS_ROOT = "is_root";
  public static final String START_NANOS = "start_nanos";
  public static final String SPAN = "span";
  // Where a row came from, and why it was rejected: the quarantine's own columns.
  public static final String SOURCE_FILE = QuarantineColumns.SOURCE_FILE;
  public static final String POSITION = QuarantineColumns.POSITION;
  public static final String LINE_NUMBER = QuarantineColumns.LINE_NUMBER;
  public static final String REASON = QuarantineColumns.REASON;
  public static final String DETAIL = QuarantineColumns.DETAIL;
  public static final String RAW = QuarantineColumns.RAW;
  public static final String RAW_TRUNCATED = QuarantineColumns.RAW_TRUNCATED;

  public static final String KIND_SPAN = "span";
  public static final String KIND_REJECTION = "rejection";
  public static final String KIND_SKIPPED = "skipped";

  /**
   * The {@code otlp_spans} table: every span received in OTLP/JSON files, one row per trace key and span id, from
   * which each run rebuilds the traces it touched (see {@code OtlpSpanStaging}).
   */
  public static final TableSpec TABLE = new TableSpec(TableNames.OTLP_SPANS,
      "one row per span received in OTLP/JSON files (trace key, span id): what traces from OTLP are built from",
      new StructType()
          .add(requiredColumn(TRACE_KEY, StringType, "the OpenTelemetry trace id, 32 hex digits"))
          .add(requiredColumn(SPAN_ID, StringType, "the span id, 16 hex digits"))
          .add(requiredColumn(IS_ROOT, BooleanType, "the span has no parent: the trace's root"))
          .add(requiredColumn(START_NANOS, LongType, "the span's start, epoch nanoseconds"))
          .add(requiredColumn(SPAN, StringType, "the span as MLflow's span dictionary (Span.to_dict), JSON"))
          .add(column(SOURCE_FILE, StringType, "the file the span was last received in"))
          .add(column(POSITION, StringType, "where in that file: line and span index")),
      List.of());

  /** The columns of {@link #TABLE}. */
  public static final StructType SPAN_COLUMNS = TABLE.schema();

  /** Every row read from the files: the span columns (null on other kinds), then kind and rejection. */
  public static final StructType SCHEMA = new StructType()
      .add(KIND, StringType, false)
      .add(TRACE_KEY, StringType)
      .add(SPAN_ID, StringType)
      .add(IS_ROOT, BooleanType)
      .add(START_NANOS, LongType)
      .add(SPAN, StringType)
      .add(SOURCE_FILE, StringType)
      .add(POSITION, StringType)
      .add(LINE_NUMBER, LongType)
      .add(REASON, StringType)
      .add(DETAIL, StringType)
      .add(RAW, StringType)
      .add(RAW_TRUNCATED, BooleanType);

  static Row span(OtlpSpan s, String file, String position) {
    return RowFactory.create(KIND_SPAN, s.traceKey(), s.spanId(), s.root(), s.startNanos(), s.json(), file,
        position, null, null, null, null, null);
  }

  static Row rejection(String file, String position, Long line, QuarantineReason reason, String detail,
      String raw, ReadLimits limits) {
    boolean truncated = raw != null && raw.length() > limits.rawMaxChars();
    return RowFactory.create(KIND_REJECTION, null, null, null, null, null, file, position, line, reason.code(),
        detail,
        truncated ? raw.substring(0, limits.rawMaxChars()) : raw, truncated);
  }

  static Row skipped(String file, String position, String signal) {
    return RowFactory.create(KIND_SKIPPED, null, null, null, null, null, file, position, null, null, signal, null,
        null);
  }
}
