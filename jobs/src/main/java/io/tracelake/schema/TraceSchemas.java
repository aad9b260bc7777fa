package io.tracelake.schema;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schemas of the tables ingest writes, declared once. Every column is nullable unless said otherwise in the
 * README's schema table; {@code trace_id}, {@code request_time}, {@code request_date} and {@code state} are never null
 * in practice because records without them are quarantined.
 */
public final class TraceSchemas {

  private TraceSchemas() {}

  public static final MapType STRING_MAP = DataTypes.createMapType(StringType, StringType, true);

  /** One assessment (feedback or expectation) attached to a trace. {@code value} is JSON text. */
  public static final StructType ASSESSMENT = new StructType()
      .add("assessment_id", StringType)
      .add("name", StringType)
      .add("kind", StringType) // feedback | expectation
      .add("source_type", StringType)
      .add("source_id", StringType)
      .add("value", StringType)
      .add("error", StringType)
      .add("rationale", StringType)
      .add("create_time", TimestampType)
      .add("last_update_time", TimestampType)
      .add("valid", BooleanType)
      .add("overrides", StringType);

  /**
   * One span of a trace, normalised across MLflow's span generations (see {@code ParsedSpan}): ids hex, the root's
   * parent null, {@code status_code} OK, ERROR or UNSET, {@code inputs}/{@code outputs} and the attribute values JSON
   * text, {@code attributes} every attribute but inputs, outputs and {@code mlflow.spanType}.
   */
  public static final StructType SPAN = new StructType()
      .add(SpanColumns.SPAN_INDEX, IntegerType, false)
      .add(SpanColumns.SPAN_ID, StringType)
      .add(SpanColumns.PARENT_SPAN_ID, StringType)
      .add(SpanColumns.NAME, StringType)
      .add(SpanColumns.SPAN_TYPE, StringType)
      .add(SpanColumns.STATUS_CODE, StringType)
      .add(SpanColumns.STATUS_MESSAGE, StringType)
      .add(SpanColumns.START_TIME, TimestampType)
      .add(SpanColumns.END_TIME, TimestampType)
      .add(SpanColumns.DURATION_MS, DoubleType)
      .add(SpanColumns.INPUTS, StringType)
      .add(SpanColumns.OUTPUTS, StringType)
      .add(SpanColumns.ATTRIBUTES, STRING_MAP)
      .add(SpanColumns.EVENT_COUNT, IntegerType)
      .add(SpanColumns.MODEL, StringType)
      .add(SpanColumns.PROVIDER, StringType)
      .add(SpanColumns.INPUT_TOKENS, LongType)
      .add(SpanColumns.OUTPUT_TOKENS, LongType)
      .add(SpanColumns.TOTAL_TOKENS, LongType)
      .add(SpanColumns.COST, DoubleType);

  /** The trace's own fields up to its state: the first columns of both trace schemas. */
  private static final StructField[] HEAD = new StructType()
      .add(TraceColumns.TRACE_ID, StringType, false)
      .add(TraceColumns.CLIENT_REQUEST_ID, StringType)
      .add(TraceColumns.EXPERIMENT_ID, StringType)
      .add(TraceColumns.REQUEST_TIME, TimestampType, false)
      .add(TraceColumns.REQUEST_DATE, DateType, false)
      .add(TraceColumns.EXECUTION_DURATION_MS, LongType)
      .add(TraceColumns.STATE, StringType, false)
      .fields();

  /** The configured identity columns: only in the canonical table. */
  private static final StructField[] IDENTITY = new StructType()
      .add(TraceColumns.USER_ID, StringType)
      .add(TraceColumns.SESSION_ID, StringType)
      .add(TraceColumns.ENVIRONMENT, StringType)
      .add(TraceColumns.APP_VERSION, StringType)
      .add(TraceColumns.DEPLOYMENT_ID, StringType)
      .fields();

  /** The trace's own fields after the identity columns, in both trace schemas. */
  private static final StructField[] BODY = new StructType()
      .add(TraceColumns.TRACE_NAME, StringType)
      .add(TraceColumns.REQUEST, StringType)
      .add(TraceColumns.RESPONSE, StringType)
      .add(TraceColumns.REQUEST_PREVIEW, StringType)
      .add(TraceColumns.RESPONSE_PREVIEW, StringType)
      .add(TraceColumns.TRACE_METADATA, STRING_MAP)
      .add(TraceColumns.TAGS, STRING_MAP)
      .add(TraceColumns.INPUT_TOKENS, LongType)
      .add(TraceColumns.OUTPUT_TOKENS, LongType)
      .add(TraceColumns.TOTAL_TOKENS, LongType)
      .add(TraceColumns.SPAN_COUNT, IntegerType)
      .add(TraceColumns.ASSESSMENTS, new ArrayType(ASSESSMENT, false))
      .fields();

  /**
   * What the streaming reader produces for one trace: everything that does not depend on configuration. The
   * configured identity columns (user, session, environment, version, deployment) are resolved from it by
   * {@link io.tracelake.ingest.store.CanonicalTraces}.
   */
  public static final StructType PARSED_TRACE = concat(HEAD, BODY, new StructType()
      .add(TraceColumns.ROOT_SPAN_ATTRIBUTES, STRING_MAP)
      .add(TraceColumns.SOURCE_FORMAT, StringType)
      .add(TraceColumns.SOURCE_FILE, StringType)
      .add(TraceColumns.CONTENT_HASH, LongType, false)
      .add(TraceColumns.COST_USD, DoubleType)
      .add(TraceColumns.COST_SOURCE, StringType)
      .add(TraceColumns.UNPRICED_MODELS, new ArrayType(StringType, true))
      .add(SpanColumns.SPANS, new ArrayType(SPAN, false))
      .fields());

  /** The canonical {@code traces} table: one row per trace_id, partitioned by request_date. */
  public static final StructType TRACES = concat(HEAD, IDENTITY, BODY, new StructType()
      .add(TraceColumns.SOURCE_FORMAT, StringType)
      .add(TraceColumns.SOURCE_FILE, StringType)
      .add(TraceColumns.INGESTED_AT, TimestampType, false)
      .add(TraceColumns.RECORD_HASH, LongType, false)
      // Added after the first release: at the end, where ALTER TABLE ADD COLUMNS puts them in an older table.
      .add(TraceColumns.COST_USD, DoubleType)
      .add(TraceColumns.COST_SOURCE, StringType)
      .add(TraceColumns.UNPRICED_MODELS, new ArrayType(StringType, true))
      .fields());

  /**
   * The {@code spans} table: one row per span of each trace in {@code traces}, partitioned by the trace's
   * request_date; {@code record_hash} is the version of the trace the spans belong to.
   */
  public static final StructType SPANS = concat(new StructType()
      .add(TraceColumns.TRACE_ID, StringType, false)
      .add(TraceColumns.REQUEST_DATE, DateType, false)
      .fields(), SPAN.fields(), new StructType()
      .add(TraceColumns.RECORD_HASH, LongType, false)
      .fields());

  private static StructType concat(StructField[]... parts) {
    List<StructField> fields = new ArrayList<>();
    for (StructField[] part : parts) {
      fields.addAll(Arrays.asList(part));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** The {@code traces_quarantine} table: one row per record (or file) ingest could not read. */
  public static final StructType QUARANTINE = new StructType()
      .add(QuarantineColumns.QUARANTINE_ID, StringType, false)
      .add(QuarantineColumns.SOURCE_FILE, StringType, false)
      .add(QuarantineColumns.POSITION, StringType)
      .add(QuarantineColumns.LINE_NUMBER, LongType)
      .add(QuarantineColumns.REASON, StringType, false)
      .add(QuarantineColumns.DETAIL, StringType)
      .add(QuarantineColumns.RAW, StringType)
      .add(QuarantineColumns.RAW_TRUNCATED, BooleanType)
      .add(QuarantineColumns.INGESTED_AT, TimestampType, false)
      .add(QuarantineColumns.RUN_ID, StringType, false);

  /**
   * What one parse task emits for a rejected record, before ids and run columns are added. {@code split_index} and
   * {@code line_in_split} let the driver turn a line counted inside a byte-range split into a line of the file.
   */
  public static final StructType PARSED_REJECTION = new StructType()
      .add(QuarantineColumns.SOURCE_FILE, StringType, false)
      .add(QuarantineColumns.POSITION, StringType)
      .add(QuarantineColumns.LINE_NUMBER, LongType)
      .add("split_index", IntegerType)
      .add(QuarantineColumns.REASON, StringType, false)
      .add(QuarantineColumns.DETAIL, StringType)
      .add(QuarantineColumns.RAW, StringType)
      .add(QuarantineColumns.RAW_TRUNCATED, BooleanType);

  /** Per byte-range split of a JSON-lines file: how many newlines lie in [start, end). */
  public static final StructType SPLIT_STATS = new StructType()
      .add("source_file", StringType, false)
      .add("split_index", IntegerType, false)
      .add("newlines", LongType, false)
      .add("starts_after_newline", BooleanType, false);

  /** One row out of a parse task: exactly one of the three structs is set. */
  public static final StructType PARSED_RECORD = new StructType()
      .add("trace", PARSED_TRACE)
      .add("rejection", PARSED_REJECTION)
      .add("split_stats", SPLIT_STATS);
}
