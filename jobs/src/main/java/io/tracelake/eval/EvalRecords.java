package io.tracelake.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracelake.export.JsonText;
import io.tracelake.schema.TraceColumns;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The fields of an evaluation record, as MLflow's {@code EvaluationDataset.merge_records} builds them from a trace.
 *
 * <p>Input: traces rows with a {@code turn} column (1-based within the session, null without one). Grain: unchanged,
 * one row per trace. Output: the input columns and {@code inputs} (the root span's inputs, the {@code request}
 * column, as compact JSON; {@code {}} when the trace has none, as in MLflow), {@code outputs} (the {@code response}
 * as JSON, or null), {@code expectations} (a JSON object {@code {name: value}} over the trace's valid expectation
 * assessments, the latest {@code last_update_time} per name; {@code {}} when none), {@code record_tags}
 * ({@code session_id, user_id, turn, app_version, environment, trace_name}, keys absent when null) and
 * {@code inputs_key} (the inputs compared as JSON values: key order ignored).
 */
public final class EvalRecords {

  private EvalRecords() {}

  public static final String INPUTS = "inputs";
  public static final String OUTPUTS = "outputs";
  public static final String EXPECTATIONS = "expectations";
  public static final String RECORD_TAGS = "record_tags";
  public static final String INPUTS_KEY = "inputs_key";
  public static final String TURN = "turn";

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final UserDefinedFunction NORMALIZED_JSON =
      udf((UDF1<String, String>) JsonText::normalized, DataTypes.StringType);
  private static final UserDefinedFunction CANONICAL_JSON =
      udf((UDF1<String, String>) JsonText::canonical, DataTypes.StringType);
  private static final UserDefinedFunction EXPECTATIONS_OBJECT =
      udf((UDF1<Seq<Row>, String>) a -> expectations(a == null ? List.of() : CollectionConverters.asJava(a)),
          DataTypes.StringType);

  /** The record tags: name → the column it comes from, in the order MLflow users see them. */
  private static final Map<String, Column> TAG_SOURCES = tagSources();

  private static Map<String, Column> tagSources() {
    Map<String, Column> tags = new java.util.LinkedHashMap<>();
    tags.put("session_id", col(TraceColumns.SESSION_ID));
    tags.put("user_id", col(TraceColumns.USER_ID));
    tags.put("turn", col(TURN).cast(DataTypes.StringType));
    tags.put("app_version", col(TraceColumns.APP_VERSION));
    tags.put("environment", col(TraceColumns.ENVIRONMENT));
    tags.put("trace_name", col(TraceColumns.TRACE_NAME));
    return tags;
  }

  public static Dataset<Row> attach(Dataset<Row> tracesWithTurns) {
    Column inputs = coalesce(NORMALIZED_JSON.apply(col(TraceColumns.REQUEST)), lit("{}"));
    Column tags = map_filter(map_from_arrays(
        array(TAG_SOURCES.keySet().stream().map(k -> lit(k)).toArray(Column[]::new)),
        array(TAG_SOURCES.values().toArray(new Column[0]))), (k, v) -> v.isNotNull());
    return tracesWithTurns
        .withColumn(INPUTS, inputs)
        .withColumn(OUTPUTS, NORMALIZED_JSON.apply(col(TraceColumns.RESPONSE)))
        .withColumn(EXPECTATIONS, EXPECTATIONS_OBJECT.apply(col(TraceColumns.ASSESSMENTS)))
        .withColumn(RECORD_TAGS, tags)
        .withColumn(INPUTS_KEY, CANONICAL_JSON.apply(col(INPUTS)));
  }

  /**
   * The expectations object of one trace's assessments ({@link io.tracelake.schema.TraceSchemas#ASSESSMENT} rows):
   * valid expectations with a value, the latest {@code last_update_time} per name (a missing time is the oldest; on
   * a tie the later one in the list wins), names in sorted order, each value as its JSON value.
   */
  static String expectations(List<Row> assessments) {
    Map<String, Row> latest = new TreeMap<>();
    Comparator<Row> byUpdate = Comparator.comparing(a -> a.<Instant>getAs("last_update_time"),
        Comparator.nullsFirst(Comparator.naturalOrder()));
    for (Row a : assessments) {
      if (!"expectation".equals(a.getAs("kind")) || Boolean.FALSE.equals(a.getAs("valid"))
          || a.getAs("value") == null || a.getAs("name") == null) {
        continue;
      }
      latest.merge(a.getAs("name"), a, (before, now) -> byUpdate.compare(now, before) >= 0 ? now : before);
    }
    ObjectNode out = JSON.createObjectNode();
    latest.forEach((name, a) -> {
      JsonNode value = JsonText.parse(a.getAs("value"));
      out.set(name, value);
    });
    return out.toString();
  }

  /**
   * One record as MLflow's {@code merge_records} takes it: {@code inputs, outputs, expectations, tags, source} with
   * {@code source_data.trace_id} and, when the trace has a session, {@code source_data.session_id}. Input: a row of
   * {@link #attach}'s output.
   */
  public static String recordJson(Row record) {
    ObjectNode out = JSON.createObjectNode();
    out.set(INPUTS, JsonText.parse(record.getAs(INPUTS)));
    String outputs = record.getAs(OUTPUTS);
    out.set(OUTPUTS, outputs == null ? JSON.nullNode() : JsonText.parse(outputs));
    out.set(EXPECTATIONS, JsonText.parse(record.getAs(EXPECTATIONS)));
    Map<String, String> tags = record.getJavaMap(record.fieldIndex(RECORD_TAGS));
    ObjectNode tagNode = out.putObject("tags");
    TAG_SOURCES.keySet().stream().filter(tags::containsKey).forEach(k -> tagNode.put(k, tags.get(k)));
    ObjectNode source = out.putObject("source");
    source.put("source_type", "TRACE");
    ObjectNode data = source.putObject("source_data");
    data.put("trace_id", record.<String>getAs(TraceColumns.TRACE_ID));
    String session = record.getAs(TraceColumns.SESSION_ID);
    if (session != null) {
      data.put("session_id", session);
    }
    return out.toString();
  }
}
