package io.tracelake.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_timestamp;

import io.tracelake.spark.Sessions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * Benchmark peer, not a product path: the same MLflow 3 JSON-lines export read by Spark's generic JSON reader with an
 * explicit schema, mapped to the main canonical columns and written to Delta partitioned by date. It handles only the
 * 3.5.1+ shape and quarantines nothing; {@code bin/bench-ingest} times it next to {@code tracelake ingest}. It lives
 * outside the product's sources: {@code bin/bench-ingest} compiles it against the product jar into a jar of its own and
 * runs it through {@code bin/tracelake} ({@code TRACELAKE_MAIN_CLASS}, {@code TRACELAKE_EXTRA_JARS}), so that it
 * starts as the product does.
 *
 * <p>Usage: {@code SparkJsonReaderBaseline INPUT_DIR OUTPUT_TABLE_DIR}
 */
public final class SparkJsonReaderBaseline {

  private SparkJsonReaderBaseline() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: SparkJsonReaderBaseline INPUT_DIR OUTPUT_TABLE_DIR");
      System.exit(2);
    }
    SparkSession spark = Sessions.getOrCreate("spark-json-reader-baseline");
    long start = System.nanoTime();
    MapType stringMap = DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
    StructType span = new StructType()
        .add("parent_span_id", DataTypes.StringType)
        .add("name", DataTypes.StringType)
        .add("attributes", stringMap);
    StructType schema = new StructType()
        .add("info", new StructType()
            .add("trace_id", DataTypes.StringType)
            .add("client_request_id", DataTypes.StringType)
            .add("request_time", DataTypes.StringType)
            .add("state", DataTypes.StringType)
            .add("execution_duration_ms", DataTypes.LongType)
            .add("trace_metadata", stringMap)
            .add("tags", stringMap)
            .add("request_preview", DataTypes.StringType)
            .add("response_preview", DataTypes.StringType))
        .add("data", new StructType().add("spans", new ArrayType(span, true)));
    Dataset<Row> raw = spark.read().schema(schema).json(args[0]);
    Column root = filter(col("data.spans"), s -> s.getField("parent_span_id").isNull()).getItem(0);
    Column usage = col("info.trace_metadata").getItem("mlflow.trace.tokenUsage");
    Dataset<Row> canonical = raw.select(
        col("info.trace_id").as("trace_id"),
        col("info.client_request_id").as("client_request_id"),
        to_timestamp(col("info.request_time")).as("request_time"),
        to_date(to_timestamp(col("info.request_time"))).as("request_date"),
        col("info.execution_duration_ms").as("execution_duration_ms"),
        col("info.state").as("state"),
        col("info.trace_metadata").getItem("mlflow.trace.user").as("user_id"),
        col("info.trace_metadata").getItem("mlflow.trace.session").as("session_id"),
        col("info.trace_metadata").getItem("mlflow.source.type").as("environment"),
        col("info.trace_metadata").getItem("app_version").as("app_version"),
        col("info.trace_metadata").getItem("deployment_id").as("deployment_id"),
        root.getField("attributes").getItem("mlflow.spanInputs").as("request"),
        root.getField("attributes").getItem("mlflow.spanOutputs").as("response"),
        col("info.request_preview").as("request_preview"),
        col("info.response_preview").as("response_preview"),
        col("info.trace_metadata").as("trace_metadata"),
        col("info.tags").as("tags"),
        get_json_object(usage, "$.input_tokens").cast("long").as("input_tokens"),
        get_json_object(usage, "$.output_tokens").cast("long").as("output_tokens"),
        get_json_object(usage, "$.total_tokens").cast("long").as("total_tokens"),
        size(col("data.spans")).as("span_count"));
    canonical.write().format("delta").mode("overwrite").partitionBy("request_date").save(args[1]);
    long rows = spark.read().format("delta").load(args[1]).count();
    System.out.printf("baseline: %,d rows written in %.1f s%n", rows, (System.nanoTime() - start) / 1e9);
    spark.stop();
  }
}
