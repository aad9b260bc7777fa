package io.tracelake.ingest.otlp;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.tracelake.UserInputException;
import io.tracelake.ingest.mlflow.JsonValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.VariantType;

/**
 * MLflow's OpenTelemetry tables in Unity Catalog as input ({@code --input-otel}): the spans table, one row per span
 * ({@code {prefix}_otel_spans} with {@code VARIANT} attributes, schema v2; {@code mlflow_experiment_trace_otel_spans}
 * with {@code MAP<STRING,STRING>} attributes, v1), and, for v2, the annotations table beside it
 * ({@code {prefix}_otel_annotations}: MLflow's metadata, tags and assessments, one row per entity version). Spans are
 * grouped into traces by the same builder as OTLP files ({@link OtlpTraces#assemble}); the annotations add what
 * spans do not carry.
 *
 * <p>Column contract (Databricks, "Store OpenTelemetry traces in Unity Catalog" and "Query OpenTelemetry traces
 * stored in Unity Catalog"; the OTel span layout of "OpenTelemetry table reference for Zerobus Ingest"): spans have
 * {@code trace_id}, {@code span_id}, {@code parent_span_id} (hex, empty or null for a root), {@code name},
 * {@code start_time_unix_nano}, {@code end_time_unix_nano}, {@code attributes}, {@code status} ({@code code},
 * {@code message}) and optionally {@code events}. Annotations are append-only with soft deletes: the latest row per
 * {@code annotation_id} by {@code updated_at} counts, one with {@code deleted_at} set is gone; {@code annotation_type}
 * {@code METADATA} holds in {@code value} the trace's {@code client_request_id}, {@code trace_metadata} and previews,
 * {@code TAG} a tag ({@code name}, {@code value}), {@code FEEDBACK} and {@code EXPECTATION} an assessment
 * ({@code name}, {@code value}, rationale in {@code comment}).
 *
 * <p>Both tables are append-only, and read incrementally: a run reads the spans and annotations appended since the
 * versions the last finished run read through ({@link #spansSince}, {@link #annotatedSince}; the whole table on a
 * first read or {@code --reread}); every trace those rows touch is rebuilt from all its spans, which ingest keeps in
 * {@code otlp_spans}, and from all its live annotations.
 */
public final class OtelTables {

  private static final String SPANS_SUFFIX = "_otel_spans";
  private static final String ANNOTATIONS_SUFFIX = "_otel_annotations";
  private static final String LOGS_SUFFIX = "_otel_logs";
  /** The hex trace id at the end of each of MLflow's forms: {@code <hex>}, {@code tr-<hex>}, {@code trace:/l/<hex>}. */
  private static final String TRACE_KEY = "lower(regexp_extract(%s, '([0-9a-fA-F]{32})$', 1))";

  private OtelTables() {}

  /**
   * One input: the spans table and its latest version when the run started, and the table of MLflow's annotations
   * beside it with its version (null, and -1, when there is none): v2's annotations table, or v1's logs table when
   * {@code logEvents}.
   */
  public record Source(String spans, long spansVersion, String annotations, long annotationsVersion,
      boolean logEvents) {

    /** What {@code ingest_runs} records: {@code otel:<spans table>}. */
    public String label() {
      return "otel:" + spans;
    }
  }

  /**
   * The spans table given ({@code …_otel_spans}) or named from a prefix ({@code catalog.schema.prefix} →
   * {@code catalog.schema.prefix_otel_spans}), by catalog name or Delta path, with its annotations table when it has
   * one; fails with one line when the spans table cannot be read or lacks a column of the contract.
   */
  public static Source open(SparkSession spark, String given) {
    String spans = given.endsWith(SPANS_SUFFIX) ? given : given + SPANS_SUFFIX;
    Dataset<Row> table = read(spark, spans, given);
    List<String> problems = new ArrayList<>();
    for (String column : List.of("trace_id", "span_id", "parent_span_id", "name")) {
      require(table.schema(), column, "STRING", t -> t.equals(DataTypes.StringType), problems);
    }
    for (String column : List.of("start_time_unix_nano", "end_time_unix_nano")) {
      require(table.schema(), column, "BIGINT", t -> t instanceof org.apache.spark.sql.types.NumericType, problems);
    }
    require(table.schema(), "attributes", "VARIANT or MAP<STRING,STRING>", OtelTables::isAttributes, problems);
    require(table.schema(), "status", "STRUCT<code, message>",
        t -> t instanceof StructType s && field(s, "code") != null, problems);
    if (!problems.isEmpty()) {
      throw new UserInputException("Input table " + spans + " is not an MLflow OpenTelemetry spans table: "
          + String.join("; ", problems) + " (it has: " + String.join(", ", table.schema().fieldNames()) + ")");
    }
    String prefix = spans.substring(0, spans.length() - SPANS_SUFFIX.length());
    long version = DeltaAppends.latestVersion(spark, spans);
    if (exists(spark, prefix + ANNOTATIONS_SUFFIX)) {
      return new Source(spans, version, prefix + ANNOTATIONS_SUFFIX,
          DeltaAppends.latestVersion(spark, prefix + ANNOTATIONS_SUFFIX), false);
    }
    if (exists(spark, prefix + LOGS_SUFFIX) && OtelLogEvents.isLogsTable(read(spark, prefix + LOGS_SUFFIX, given))) {
      return new Source(spans, version, prefix + LOGS_SUFFIX, DeltaAppends.latestVersion(spark, prefix + LOGS_SUFFIX),
          true);
    }
    return new Source(spans, version, null, -1, false);
  }

  /**
   * The spans table's rows appended after {@code afterVersion} up to the source's version (and perhaps a few
   * commits past it, see {@link DeltaAppends}); all its rows at that version when {@code afterVersion} is null.
   *
   * @param scratch a folder for the copy of the new rows, deleted by the caller after the run
   */
  public static Dataset<Row> spansSince(SparkSession spark, Source source, Long afterVersion, String scratch) {
    return rowsSince(spark, source.spans(), source.spansVersion(), afterVersion, scratch);
  }

  /**
   * The trace keys of the annotations appended after {@code afterVersion} (an annotation added, changed or deleted
   * since; every annotation's when {@code afterVersion} is null), none when the source has no annotations table.
   */
  public static Dataset<Row> annotatedSince(SparkSession spark, Source source, Long afterVersion, String scratch) {
    if (source.annotations() == null) {
      return spark.emptyDataFrame().select(lit(null).cast(DataTypes.StringType).as(OtlpSpanRows.TRACE_KEY));
    }
    return rowsSince(spark, source.annotations(), source.annotationsVersion(), afterVersion, scratch)
        .select(traceKey("trace_id").as(OtlpSpanRows.TRACE_KEY))
        .where(col(OtlpSpanRows.TRACE_KEY).notEqual(""));
  }

  private static Dataset<Row> rowsSince(SparkSession spark, String table, long version, Long afterVersion,
      String scratch) {
    if (afterVersion == null) {
      return DeltaAppends.asOf(spark, table, version);
    }
    if (afterVersion >= version) {  // nothing committed since
      return read(spark, table, table).limit(0);
    }
    return DeltaAppends.after(spark, table, afterVersion, scratch);
  }

  /**
   * Input: rows of the spans table. Grain: one row per span. Output: {@link OtlpSpanRows#SCHEMA} rows of kind
   * {@code span} (the span as MLflow's span dictionary), or {@code rejection} for a span without a hex trace id or a
   * span id.
   */
  public static Dataset<Row> spanRows(Dataset<Row> table, Source source) {
    StructType schema = table.schema();
    String events = field(schema, "events") != null && field(schema, "events").dataType() instanceof ArrayType
        ? "transform(events, e -> named_struct('name', cast(e.name AS STRING)))" : "array()";
    String code = "upper(cast(status.code AS STRING))";
    String status = "CASE WHEN " + code + " IN ('1', 'OK', 'STATUS_CODE_OK') THEN 'STATUS_CODE_OK' WHEN " + code
        + " IN ('2', 'ERROR', 'STATUS_CODE_ERROR') THEN 'STATUS_CODE_ERROR' ELSE 'STATUS_CODE_UNSET' END";
    String message = field((StructType) field(schema, "status").dataType(), "message") == null ? "''"
        : "coalesce(cast(status.message AS STRING), '')";
    Dataset<Row> keyed = table
        .withColumn("_key", traceKey("trace_id"))
        .withColumn("_span_id", expr("lower(span_id)"))
        .withColumn("_parent", expr("nullif(lower(parent_span_id), '')"));
    Dataset<Row> spanJson = keyed.select(
        lit(OtlpSpanRows.KIND_SPAN).as(OtlpSpanRows.KIND),
        col("_key").as(OtlpSpanRows.TRACE_KEY),
        col("_span_id").as(OtlpSpanRows.SPAN_ID),
        col("_parent").isNull().as(OtlpSpanRows.IS_ROOT),
        expr("coalesce(cast(start_time_unix_nano AS BIGINT), 0)").as(OtlpSpanRows.START_NANOS),
        expr("to_json(named_struct('trace_id', _key, 'span_id', _span_id, 'parent_span_id', _parent, 'name', name, "
            + "'start_time_unix_nano', cast(start_time_unix_nano AS BIGINT), 'end_time_unix_nano', "
            + "cast(end_time_unix_nano AS BIGINT), 'status', named_struct('code', " + status + ", 'message', "
            + message + "), 'attributes', attributes, 'events', " + events + "))").as(OtlpSpanRows.SPAN),
        lit(source.label()).as(OtlpSpanRows.SOURCE_FILE),
        expr("concat('span ', coalesce(span_id, '(none)'), ' of trace ', coalesce(trace_id, '(none)'), "
            + "', table version <= " + source.spansVersion() + "')")
            .as(OtlpSpanRows.POSITION),
        lit(null).cast(DataTypes.LongType).as(OtlpSpanRows.LINE_NUMBER),
        expr("CASE WHEN _key = '' OR _key IS NULL OR _span_id IS NULL OR _span_id = '' THEN 'invalid_field' END")
            .as(OtlpSpanRows.REASON),
        lit(null).cast(DataTypes.StringType).as(OtlpSpanRows.DETAIL),
        lit(null).cast(DataTypes.StringType).as(OtlpSpanRows.RAW),
        lit(null).cast(DataTypes.BooleanType).as(OtlpSpanRows.RAW_TRUNCATED));
    // A span that cannot be placed in a trace is quarantined with what it is, not dropped.
    return spanJson.selectExpr(
        "CASE WHEN reason IS NULL THEN 'span' ELSE 'rejection' END AS kind",
        "CASE WHEN reason IS NULL THEN trace_key END AS trace_key",
        "CASE WHEN reason IS NULL THEN span_id END AS span_id", "is_root", "start_nanos",
        "CASE WHEN reason IS NULL THEN span END AS span", "source_file", "position", "line_number", "reason",
        "CASE WHEN reason IS NOT NULL THEN 'a span without a hex trace_id (32 digits) or a span_id' END AS detail",
        "CASE WHEN reason IS NOT NULL THEN span END AS raw", "raw_truncated");
  }

  /**
   * Input: the annotations table, as of the source's version. Grain: one row per trace key of {@code keys} (every
   * trace when null) that has a live annotation. Output: {@code (trace_key, overlay)}, the overlay JSON
   * {@code {client_request_id, request_preview, response_preview, trace_metadata, tags, assessments}} for
   * {@link OtlpTraceBuilder}; null when the source has no annotations table.
   */
  public static Dataset<Row> overlays(SparkSession spark, Source source, Dataset<Row> keys) {
    if (source.annotations() == null) {
      return null;
    }
    Dataset<Row> all = DeltaAppends.asOf(spark, source.annotations(), source.annotationsVersion());
    if (source.logEvents()) {
      return OtelLogEvents.overlays(keys == null ? all : touched(all, keys));
    }
    StructType schema = all.schema();
    List<String> problems = new ArrayList<>();
    for (String column : List.of("annotation_id", "trace_id", "annotation_type")) {
      require(schema, column, "STRING", t -> t.equals(DataTypes.StringType), problems);
    }
    require(schema, "updated_at", "TIMESTAMP", t -> t instanceof org.apache.spark.sql.types.TimestampType
        || t instanceof org.apache.spark.sql.types.TimestampNTZType || t.equals(DataTypes.LongType), problems);
    require(schema, "value", "VARIANT or STRING", t -> t instanceof VariantType || t.equals(DataTypes.StringType),
        problems);
    if (!problems.isEmpty()) {
      throw new UserInputException("Input table " + source.annotations() + " is not an MLflow OpenTelemetry "
          + "annotations table: " + String.join("; ", problems) + " (it has: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
    String value = field(schema, "value").dataType() instanceof VariantType ? "value"
        : "coalesce(try_parse_json(value), cast(value AS VARIANT))";
    String deleted = field(schema, "deleted_at") != null ? "deleted_at IS NOT NULL"
        : field(schema, "deleted") != null ? "coalesce(deleted, false)" : "false";
    String name = field(schema, "name") != null ? "name" : "CAST(NULL AS STRING)";
    String comment = field(schema, "comment") != null ? "cast(comment AS STRING)" : "CAST(NULL AS STRING)";
    String created = field(schema, "created_at") != null ? "created_at" : "updated_at";
    String spanId = field(schema, "span_id") != null ? "span_id" : "CAST(NULL AS STRING)";
    String sourceType = sourceField(schema, "source_type");
    String sourceId = sourceField(schema, "source_id");
    // An annotation's versions share its trace: keeping the touched traces' rows first keeps their latest versions.
    Dataset<Row> table = keys == null ? all : touched(all, keys);
    table.createOrReplaceTempView("_tracelake_otel_annotations");
    String latest = "SELECT *, " + traceKeySql("trace_id") + " AS _key, " + value + " AS _value, "
        + deleted + " AS _deleted FROM (SELECT *, row_number() OVER (PARTITION BY annotation_id ORDER BY updated_at "
        + "DESC) AS _n FROM _tracelake_otel_annotations) WHERE _n = 1";
    return spark.sql("WITH latest AS (" + latest + " AND NOT (" + deleted + ")), "
        + "metadata AS (SELECT _key, max_by(named_struct("
        + "'client_request_id', variant_get(_value, '$.client_request_id', 'string'), "
        + "'request_preview', variant_get(_value, '$.request_preview', 'string'), "
        + "'response_preview', variant_get(_value, '$.response_preview', 'string'), "
        + "'trace_metadata', variant_get(_value, '$.trace_metadata', 'map<string,string>')), updated_at) AS m "
        + "FROM latest WHERE upper(annotation_type) = 'METADATA' GROUP BY _key), "
        + "tags AS (SELECT _key, map_from_entries(collect_list(named_struct('k', " + name + ", 'v', "
        + "cast(_value AS STRING)))) AS t FROM latest WHERE upper(annotation_type) = 'TAG' AND " + name
        + " IS NOT NULL GROUP BY _key), "
        + "assessments AS (SELECT _key, collect_list(named_struct('assessment_id', annotation_id, "
        + "'assessment_name', " + name + ", 'source', named_struct('source_type', " + sourceType + ", 'source_id', "
        + sourceId + "), 'create_time', " + created + ", 'last_update_time', updated_at, "
        + "'feedback', CASE WHEN upper(annotation_type) = 'FEEDBACK' THEN named_struct('value', _value) END, "
        + "'expectation', CASE WHEN upper(annotation_type) = 'EXPECTATION' THEN named_struct('value', _value) END, "
        + "'rationale', " + comment + ", 'span_id', " + spanId + ")) AS a FROM latest "
        + "WHERE upper(annotation_type) IN ('FEEDBACK', 'EXPECTATION') GROUP BY _key) "
        + "SELECT coalesce(metadata._key, tags._key, assessments._key) AS trace_key, to_json(named_struct("
        + "'client_request_id', m.client_request_id, 'request_preview', m.request_preview, "
        + "'response_preview', m.response_preview, 'trace_metadata', m.trace_metadata, 'tags', t, "
        + "'assessments', a)) AS overlay "
        + "FROM metadata FULL OUTER JOIN tags ON metadata._key = tags._key "
        + "FULL OUTER JOIN assessments ON coalesce(metadata._key, tags._key) = assessments._key");
  }

  /** The rows of {@code table} (with a {@code trace_id}) whose trace key is one of {@code keys}'. */
  private static Dataset<Row> touched(Dataset<Row> table, Dataset<Row> keys) {
    return table.join(keys.select(col(OtlpSpanRows.TRACE_KEY).as("_touched")).distinct(),
        traceKey("trace_id").equalTo(col("_touched")), "left_semi");
  }

  /** The hex trace id at the end of the column's value, lower case ("" when there is none). */
  static org.apache.spark.sql.Column traceKey(String column) {
    return expr(traceKeySql(column));
  }

  /** {@link #traceKey} as SQL. */
  static String traceKeySql(String column) {
    return String.format(TRACE_KEY, column);
  }

  /** An assessment's source field: a column of its own, else a field of a {@code source} struct, else null. */
  private static String sourceField(StructType schema, String name) {
    if (field(schema, name) != null) {
      return "cast(" + name + " AS STRING)";
    }
    StructField source = field(schema, "source");
    if (source != null && source.dataType() instanceof StructType s && field(s, name) != null) {
      return "cast(source." + name + " AS STRING)";
    }
    return "CAST(NULL AS STRING)";
  }

  static Dataset<Row> read(SparkSession spark, String nameOrPath, String given) {
    boolean path = isPath(nameOrPath);
    try {
      return path ? spark.read().format("delta").load(nameOrPath) : spark.table(nameOrPath);
    } catch (Exception e) { // Spark's AnalysisException is a checked exception thrown without being declared
      throw new UserInputException("Cannot read the OpenTelemetry spans table " + nameOrPath + " (from --input-otel "
          + given + "): " + JsonValues.firstLine(e.getMessage()) + "; give the spans table ("
          + "catalog.schema.prefix_otel_spans, or its Delta path) or its prefix (catalog.schema.prefix)");
    }
  }

  private static boolean exists(SparkSession spark, String nameOrPath) {
    try {
      if (isPath(nameOrPath)) {
        spark.read().format("delta").load(nameOrPath).schema();
      } else {
        spark.table(nameOrPath).schema();
      }
      return true;
    } catch (Exception e) { // no such table: the spans are read without annotations
      return false;
    }
  }

  static boolean isPath(String nameOrPath) {
    return nameOrPath.contains("/") || nameOrPath.contains(":");
  }

  private static void require(StructType schema, String column, String expected,
      java.util.function.Predicate<DataType> accepts, List<String> problems) {
    StructField f = field(schema, column);
    if (f == null) {
      problems.add("no column " + column + " (" + expected + ")");
    } else if (!accepts.test(f.dataType())) {
      problems.add(column + " is " + f.dataType().sql() + ", expected " + expected);
    }
  }

  private static boolean isAttributes(DataType t) {
    return t instanceof VariantType || t instanceof MapType m && m.keyType().equals(DataTypes.StringType)
        && m.valueType().equals(DataTypes.StringType);
  }

  /** The column of that name, in any case; null when there is none. */
  static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().toLowerCase(Locale.ROOT).equals(name)) {
        return f;
      }
    }
    return null;
  }
}
