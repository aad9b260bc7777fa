package io.tracelake.ingest.files;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.try_parse_json;

import io.tracelake.UserInputException;
import io.tracelake.ingest.mlflow.JsonValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Tables of traces as input ({@code --input-table}): a table or view in the shape of MLflow's trace unified view, as
 * Databricks keeps traces in Unity Catalog ({@code mlflow_experiment_trace_unified}: {@code trace_id,
 * client_request_id, request_time, state, execution_duration_ms, request, response, trace_metadata, tags, spans,
 * assessments}), by catalog name ({@code main.agents.mlflow_experiment_trace_unified}) or by Delta path. The schema is
 * checked before any job runs; each row is then read like a row of a saved {@code search_traces()} frame, by the same
 * record reader, so freshness, assessments and quarantine reasons are those of every other input.
 */
public final class InputTables {

  /** The columns a trace table must have, and what each must be. */
  private static final Map<String, Kind> REQUIRED = Map.of(
      "trace_id", new Kind("STRING", t -> t.equals(DataTypes.StringType)),
      "request_time", new Kind("TIMESTAMP", t -> t instanceof TimestampType || t instanceof TimestampNTZType
          || t.equals(DataTypes.StringType) || t.equals(DataTypes.LongType)),
      "state", new Kind("STRING", t -> t.equals(DataTypes.StringType)),
      "trace_metadata", new Kind("MAP<STRING,STRING>", InputTables::isStringMap),
      "tags", new Kind("MAP<STRING,STRING>", InputTables::isStringMap));
  /** Columns a trace table may have, and what each must be when it is there. */
  private static final Map<String, Kind> OPTIONAL = Map.of(
      "execution_duration_ms", new Kind("a number", t -> t instanceof NumericType),
      "request", new Kind("STRING", t -> t.equals(DataTypes.StringType)),
      "response", new Kind("STRING", t -> t.equals(DataTypes.StringType)),
      "spans", new Kind("ARRAY", t -> t instanceof ArrayType),
      "assessments", new Kind("ARRAY", t -> t instanceof ArrayType));

  private record Kind(String name, Predicate<DataType> accepts) {}

  private InputTables() {}

  /**
   * Opens the table and checks its schema; fails with one line when it cannot be read or is not the unified view's
   * shape. The returned input is read by {@link ExportReader#parse}.
   */
  public static DetectedFile detect(SparkSession spark, String nameOrPath) {
    StructType schema = open(spark, nameOrPath).schema();
    List<String> problems = new ArrayList<>();
    REQUIRED.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(required -> {
      StructField field = field(schema, required.getKey());
      if (field == null) {
        problems.add("no column " + required.getKey() + " (" + required.getValue().name() + ")");
      } else if (!required.getValue().accepts().test(field.dataType())) {
        problems.add(required.getKey() + " is " + field.dataType().sql() + ", expected "
            + required.getValue().name());
      }
    });
    OPTIONAL.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(optional -> {
      StructField field = field(schema, optional.getKey());
      if (field != null && !optional.getValue().accepts().test(field.dataType())) {
        problems.add(optional.getKey() + " is " + field.dataType().sql() + ", expected "
            + optional.getValue().name());
      }
    });
    if (!problems.isEmpty()) {
      throw new UserInputException("Input table " + nameOrPath + " is not in the shape of MLflow's trace unified "
          + "view: " + String.join("; ", problems) + " (it has: " + String.join(", ", schema.fieldNames()) + ")");
    }
    return new DetectedFile(nameOrPath, -1, FileShape.TABLE, false, null);
  }

  /** The table's rows as {@code (json, source, position, shape)} for {@link FrameRowParser}. */
  static Dataset<Row> rows(SparkSession spark, String nameOrPath) {
    Dataset<Row> table = open(spark, nameOrPath);
    if (hasStringValues(table.schema())) {
      table = table.withColumn("assessments", transform(col("assessments"), a -> a
          .withField("feedback", a.getField("feedback").withField("value", asJson(a.getField("feedback")
              .getField("value"))))
          .withField("expectation", a.getField("expectation").withField("value", asJson(a.getField("expectation")
              .getField("value"))))));
    }
    return table.select(to_json(struct(col("*"))).as("json"), lit(nameOrPath).as("source"),
        concat(lit("trace_id "), coalesce(col("trace_id"), lit("(none)"))).as("position"),
        lit(FileShape.TABLE.label()).as("shape"));
  }

  /** A path (it has a {@code /} or a scheme) is read as a Delta table; anything else is a name in the catalog. */
  private static Dataset<Row> open(SparkSession spark, String nameOrPath) {
    boolean path = nameOrPath.contains("/") || nameOrPath.contains(":");
    try {
      return path ? spark.read().format("delta").load(nameOrPath) : spark.table(nameOrPath);
    } catch (Exception e) { // Spark's AnalysisException is a checked exception thrown without being declared
      throw new UserInputException("Cannot read input table " + nameOrPath + (path ? " (a Delta table path)"
          : " (a table or view name of the session's catalog)") + ": " + JsonValues.firstLine(e.getMessage())
          + "; give a Delta table's path or a table or view name (catalog.schema.name)");
    }
  }

  /**
   * The view keeps an assessment's value as a STRING column holding the value's JSON ({@code false}, {@code "yes"},
   * {@code 0.8}); as a JSON value (a variant) it reaches the reader as the value itself, as in every export. A
   * string that is not JSON is kept as that string.
   */
  private static Column asJson(Column text) {
    return coalesce(try_parse_json(text), text.cast(DataTypes.VariantType));
  }

  /** Whether assessments carry {@code feedback.value} and {@code expectation.value} as strings (the view's shape). */
  private static boolean hasStringValues(StructType schema) {
    StructField assessments = field(schema, "assessments");
    if (assessments == null || !(assessments.dataType() instanceof ArrayType array)
        || !(array.elementType() instanceof StructType element)) {
      return false;
    }
    for (String kind : List.of("feedback", "expectation")) {
      StructField f = field(element, kind);
      if (f == null || !(f.dataType() instanceof StructType inner) || field(inner, "value") == null
          || !field(inner, "value").dataType().equals(DataTypes.StringType)) {
        return false;
      }
    }
    return true;
  }

  private static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  private static boolean isStringMap(DataType t) {
    return t instanceof MapType m && m.keyType().equals(DataTypes.StringType)
        && m.valueType().equals(DataTypes.StringType);
  }
}
