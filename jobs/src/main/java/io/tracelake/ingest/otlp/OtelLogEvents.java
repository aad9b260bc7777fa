package io.tracelake.ingest.otlp;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.VariantType;

/**
 * The first (v1) layout's trace metadata, tags and assessments: OpenTelemetry log records in
 * {@code mlflow_experiment_trace_otel_logs}, one per update, append-only, so the latest record per key counts.
 *
 * <p>Layout, after the view Databricks creates over the table ({@code mlflow_experiment_trace_unified}, as
 * {@code DESCRIBE TABLE EXTENDED} shows it) and Databricks' "Store MLflow traces in Unity Catalog": columns
 * {@code event_name}, {@code trace_id}, {@code time_unix_nano}, {@code body} (JSON text) and {@code attributes}
 * ({@code MAP<STRING,STRING>}). Events:
 * <ul>
 *   <li>{@code genai.trace.metadata}: {@code client_request_id} and {@code trace_metadata} (an object, or its JSON
 *       text); one per trace, the latest counts;</li>
 *   <li>{@code genai.trace.tag}: {@code key}, {@code value}, and {@code deleted} ("true" removes the tag); the latest
 *       per trace and key counts;</li>
 *   <li>{@code genai.assessments.snapshot}: the assessment ({@code assessment_id}, {@code assessment_name},
 *       {@code source}, {@code create_time} and {@code last_update_time} in epoch milliseconds, {@code feedback} or
 *       {@code expectation} with its {@code value} or {@code serialized_value}, {@code rationale}, {@code span_id};
 *       {@code source}, {@code feedback} and {@code expectation} as objects or as their JSON text); the latest per
 *       {@code assessment_id}, and one whose {@code deleted} attribute is "true" is gone.</li>
 * </ul>
 * Each field is read from the body first and, where the body lacks it, from the attribute of the same name (the
 * documentation puts the fields in {@code attributes}; the view reads them from {@code body}).
 */
final class OtelLogEvents {

  private static final String METADATA = "genai.trace.metadata";
  private static final String TAG = "genai.trace.tag";
  private static final String ASSESSMENT = "genai.assessments.snapshot";

  private OtelLogEvents() {}

  /** Whether the table has the columns read here. */
  static boolean isLogsTable(Dataset<Row> table) {
    StructType schema = table.schema();
    return has(schema, "event_name") && has(schema, "trace_id") && has(schema, "time_unix_nano")
        && (has(schema, "body") || has(schema, "attributes"));
  }

  /**
   * Input: rows of the logs table. Grain: one row per trace key with a live metadata, tag or assessment event.
   * Output: {@code (trace_key, overlay)} as {@link OtelTables#overlays} makes it for v2's annotations.
   */
  static Dataset<Row> overlays(Dataset<Row> logs) {
    StructType schema = logs.schema();
    String body = !has(schema, "body") ? "CAST(NULL AS VARIANT)"
        : type(schema, "body") instanceof VariantType ? "body" : "try_parse_json(cast(body AS STRING))";
    boolean attributes = has(schema, "attributes") && type(schema, "attributes") instanceof MapType m
        && m.keyType().equals(DataTypes.StringType);
    String events = "SELECT " + OtelTables.traceKeySql("trace_id") + " AS _key, event_name AS _event, "
        + body + " AS _b, " + (attributes ? "cast(attributes AS MAP<STRING,STRING>)" : "CAST(NULL AS MAP<STRING,STRING>)")
        + " AS _a, cast(time_unix_nano AS BIGINT) AS _t FROM _tracelake_otel_logs WHERE event_name IN ('" + METADATA
        + "', '" + TAG + "', '" + ASSESSMENT + "')";
    logs.createOrReplaceTempView("_tracelake_otel_logs");
    String assessment = "SELECT _key, _t, " + field("assessment_id") + " AS id, " + field("deleted")
        + " AS deleted, _b, _a, try_parse_json(" + field("feedback") + ") AS fb, try_parse_json(" + field("expectation")
        + ") AS ex, try_parse_json(" + field("source") + ") AS src FROM events WHERE _event = '" + ASSESSMENT + "'";
    return logs.sparkSession().sql("WITH events AS (" + events + "), "
        + "metadata AS (SELECT _key, max_by(named_struct("
        + "'client_request_id', " + field("client_request_id") + ", "
        + "'trace_metadata', coalesce(variant_get(_b, '$.trace_metadata', 'map<string,string>'), "
        + "from_json(" + field("trace_metadata") + ", 'map<string,string>'))), _t) AS m "
        + "FROM events WHERE _event = '" + METADATA + "' GROUP BY _key), "
        + "tag_versions AS (SELECT _key, " + field("key") + " AS k, " + field("value") + " AS v, "
        + field("deleted") + " AS deleted, row_number() OVER (PARTITION BY _key, " + field("key")
        + " ORDER BY _t DESC) AS _n FROM events WHERE _event = '" + TAG + "'), "
        + "tags AS (SELECT _key, map_from_entries(collect_list(named_struct('k', k, 'v', v))) AS t FROM tag_versions "
        + "WHERE _n = 1 AND k IS NOT NULL AND " + live("deleted") + " GROUP BY _key), "
        + "assessment_versions AS (SELECT *, row_number() OVER (PARTITION BY id ORDER BY _t DESC) AS _n "
        + "FROM (" + assessment + ") WHERE id IS NOT NULL), "
        + "assessments AS (SELECT _key, collect_list(named_struct('assessment_id', id, "
        + "'assessment_name', " + field("assessment_name") + ", "
        + "'source', named_struct('source_type', variant_get(src, '$.source_type', 'string'), "
        + "'source_id', variant_get(src, '$.source_id', 'string')), "
        + "'create_time', " + millis("create_time") + ", 'last_update_time', " + millis("last_update_time") + ", "
        + "'feedback', CASE WHEN fb IS NOT NULL THEN named_struct('value', variant_get(fb, '$.value')) END, "
        + "'expectation', CASE WHEN ex IS NOT NULL THEN named_struct('value', coalesce(variant_get(ex, '$.value'), "
        + "try_parse_json(variant_get(ex, '$.serialized_value.value', 'string')))) END, "
        + "'rationale', " + field("rationale") + ", 'span_id', nullif(" + field("span_id") + ", ''))) AS a "
        + "FROM assessment_versions WHERE _n = 1 AND " + live("deleted") + " GROUP BY _key) "
        + "SELECT coalesce(metadata._key, tags._key, assessments._key) AS trace_key, to_json(named_struct("
        + "'client_request_id', m.client_request_id, 'request_preview', CAST(NULL AS STRING), "
        + "'response_preview', CAST(NULL AS STRING), 'trace_metadata', m.trace_metadata, 'tags', t, "
        + "'assessments', a)) AS overlay "
        + "FROM metadata FULL OUTER JOIN tags ON metadata._key = tags._key "
        + "FULL OUTER JOIN assessments ON coalesce(metadata._key, tags._key) = assessments._key");
  }

  /** A field of the event as text: the body's (an object as its JSON text), else the attribute of that name. */
  private static String field(String name) {
    return "coalesce(variant_get(_b, '$." + name + "', 'string'), _a['" + name + "'])";
  }

  /** Epoch milliseconds (a number, or a number's text) as a timestamp. */
  private static String millis(String name) {
    return "timestamp_millis(cast(try_cast(" + field(name) + " AS DOUBLE) AS BIGINT))";
  }

  private static String live(String deleted) {
    return "coalesce(lower(" + deleted + "), 'false') <> 'true'";
  }

  private static boolean has(StructType schema, String name) {
    return OtelTables.field(schema, name) != null;
  }

  private static DataType type(StructType schema, String name) {
    return OtelTables.field(schema, name).dataType();
  }
}
