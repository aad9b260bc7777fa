package io.tracelake.eval;

import static io.tracelake.schema.TableSpec.column;
import static io.tracelake.schema.TableSpec.requiredColumn;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import io.delta.tables.DeltaTable;
import io.tracelake.schema.TableSpec;
import io.tracelake.schema.TraceColumns;
import io.tracelake.schema.TraceSchemas;
import io.tracelake.warehouse.ConcurrentWrites;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code eval_datasets} table: one row per ({@code dataset_name}, {@code record_id}), the record id being the
 * source trace's id. Records are upserted, never deleted, as MLflow's {@code merge_records} does: a record whose
 * trace no longer matches stays in its dataset.
 */
public final class EvalDatasetTable {

  private EvalDatasetTable() {}

  public static final TableSpec SPEC = new TableSpec(TableNames.EVAL_DATASETS,
      "one row per (dataset_name, record_id): evaluation records built from traces by eval-dataset", new StructType()
      .add(requiredColumn("dataset_name", StringType, "the dataset (--name)"))
      .add(requiredColumn("record_id", StringType, "the source trace's id"))
      .add(requiredColumn("inputs", StringType, "the record's inputs (JSON text), as in the records"))
      .add(column("outputs", StringType, "the record's outputs (JSON text)"))
      .add(requiredColumn("expectations", StringType, "the trace's expectations by name (JSON text)"))
      .add(column("tags", TraceSchemas.STRING_MAP, "session_id, user_id, turn, app_version, environment, "
          + "trace_name; keys absent when null"))
      .add(requiredColumn("source_type", StringType, "TRACE"))
      .add(requiredColumn("source_trace_id", StringType, "the trace the record came from"))
      .add(column("source_session_id", StringType, "that trace's session"))
      .add(column("turn", IntegerType, "that trace's turn in its session"))
      .add(column("app_version", StringType, "that trace's app_version"))
      .add(column("environment", StringType, "that trace's environment"))
      .add(column("user_id", StringType, "that trace's user"))
      .add(requiredColumn("created_at", TimestampType, "when the record first entered the dataset"))
      .add(requiredColumn("last_update_time", TimestampType, "its last change")),
      List.of());

  /** The columns that make a record what it is: a change in any of them updates the row. */
  private static final List<String> CONTENT = List.of("inputs", "outputs", "expectations", "tags", "source_type",
      "source_trace_id", "source_session_id", "turn", "app_version", "environment", "user_id");

  /** What one merge did. {@code version} is the table version after it, or -1 when nothing was committed. */
  public record Outcome(long inserted, long updated, long unchanged, long version) {
    public boolean committed() {
      return version >= 0;
    }
  }

  /** The selected records (see {@link EvalSelection#select}) as rows of the table, without the two times. */
  static Dataset<Row> content(Dataset<Row> records, String datasetName) {
    return records.select(
        lit(datasetName).as("dataset_name"),
        col(TraceColumns.TRACE_ID).as("record_id"),
        col(EvalRecords.INPUTS),
        col(EvalRecords.OUTPUTS),
        col(EvalRecords.EXPECTATIONS),
        col(EvalRecords.RECORD_TAGS).as("tags"),
        lit("TRACE").as("source_type"),
        col(TraceColumns.TRACE_ID).as("source_trace_id"),
        col(TraceColumns.SESSION_ID).as("source_session_id"),
        col(EvalRecords.TURN).cast(DataTypes.IntegerType).as("turn"),
        col(TraceColumns.APP_VERSION),
        col(TraceColumns.ENVIRONMENT),
        col(TraceColumns.USER_ID));
  }

  /**
   * Upserts {@code records} into dataset {@code datasetName} with one MERGE of only the new or changed records, so
   * that an identical rerun commits nothing. New rows get {@code created_at = last_update_time = now}; a changed
   * record keeps its {@code created_at}.
   */
  public static Outcome merge(Warehouse warehouse, String datasetName, Dataset<Row> records, Instant now) {
    Dataset<Row> incoming = content(records, datasetName);
    DeltaTable table = warehouse.declare(SPEC);
    Dataset<Row> existing = table.toDF().where(col("dataset_name").equalTo(datasetName));
    Column same = incoming.col("record_id").equalTo(existing.col("record_id"));
    for (String c : CONTENT) {
      same = same.and(comparable(incoming, c).eqNullSafe(comparable(existing, c)));
    }
    Dataset<Row> changed = incoming.join(existing, same, "left_anti").persist();
    try {
      long changedCount = changed.count();
      long total = incoming.count();
      if (changedCount == 0) {
        return new Outcome(0, 0, total, -1);
      }
      long inserted = changed.join(existing, changed.col("record_id").equalTo(existing.col("record_id")),
          "left_anti").count();
      Map<String, Column> update = new LinkedHashMap<>();
      CONTENT.forEach(c -> update.put(c, col("s." + c)));
      update.put("last_update_time", lit(now));
      Map<String, Column> insert = new LinkedHashMap<>(update);
      insert.put("dataset_name", col("s.dataset_name"));
      insert.put("record_id", col("s.record_id"));
      insert.put("created_at", lit(now));
      ConcurrentWrites.retrying(TableNames.EVAL_DATASETS, () -> table.as("t")
          .merge(changed.as("s"), col("t.dataset_name").equalTo(col("s.dataset_name"))
              .and(col("t.record_id").equalTo(col("s.record_id"))))
          .whenMatched().update(update)
          .whenNotMatched().insert(insert)
          .execute());
      long version = table.history(1).select("version").first().getLong(0);
      return new Outcome(inserted, changedCount - inserted, total - changedCount, version);
    } finally {
      changed.unpersist();
    }
  }

  /** Maps cannot be compared in Spark: compare their sorted entries instead. */
  private static Column comparable(Dataset<Row> frame, String column) {
    return column.equals("tags") ? array_sort(map_entries(frame.col(column))) : frame.col(column);
  }

  /** One row per dataset: {@code dataset_name, records, created_at} (first record), {@code last_update_time}. */
  public static Dataset<Row> list(Warehouse warehouse) {
    return warehouse.read(TableNames.EVAL_DATASETS).groupBy("dataset_name")
        .agg(count(lit(1)).as("records"), min("created_at").as("created_at"),
            max("last_update_time").as("last_update_time"))
        .orderBy("dataset_name");
  }
}
