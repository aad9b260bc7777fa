package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;

import io.tracelake.config.FlattenedKeys;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.AnalyticsSchemas;
import io.tracelake.schema.TableSpec;
import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/**
 * The {@code traces_flat} table: traces with the metadata and tag keys named in config as columns of their own, and
 * without the large payload columns, for BI tools and notebooks.
 *
 * <p>Column names: {@code meta_<key>} for metadata, {@code tag_<key>} for tags, named by {@link FlattenedKeys} (so
 * {@code mlflow.source.type} becomes {@code meta_mlflow_source_type}); a clash is refused when the config loads.
 */
public final class FlatTraces {

  private FlatTraces() {}

  /** Base columns kept from {@code traces}, in order. */
  static final List<String> BASE = List.of(TraceColumns.TRACE_ID, TraceColumns.REQUEST_TIME,
      TraceColumns.REQUEST_DATE, TraceColumns.USER_ID, TraceColumns.SESSION_ID, TraceColumns.ENVIRONMENT,
      TraceColumns.APP_VERSION, TraceColumns.DEPLOYMENT_ID, TraceColumns.STATE, TraceColumns.EXECUTION_DURATION_MS,
      TraceColumns.TRACE_NAME, TraceColumns.INPUT_TOKENS, TraceColumns.OUTPUT_TOKENS, TraceColumns.TOTAL_TOKENS,
      TraceColumns.SPAN_COUNT, TraceColumns.REQUEST_PREVIEW, TraceColumns.RESPONSE_PREVIEW);

  /** Configured key → column, metadata first (names and clashes: {@link FlattenedKeys}). */
  public static Map<String, Column> flattenedColumns(TracelakeConfig.Flatten flatten) {
    Map<String, Column> columns = new LinkedHashMap<>();
    for (FlattenedKeys.Key key : FlattenedKeys.of(flatten)) {
      columns.put(key.column(), col(key.tag() ? TraceColumns.TAGS : TraceColumns.TRACE_METADATA).getItem(key.key()));
    }
    return columns;
  }

  /** The table as declared: {@link AnalyticsSchemas#TRACES_FLAT} and one column per configured key. */
  public static TableSpec spec(TracelakeConfig config) {
    List<StructField> configured = new ArrayList<>();
    for (FlattenedKeys.Key key : FlattenedKeys.of(config.flatten())) {
      configured.add(AnalyticsSchemas.flatColumn(key.column(), key.key(), key.tag()));
    }
    return AnalyticsSchemas.TRACES_FLAT.withColumns(configured);
  }

  /**
   * Input: {@code traces} rows. Grain: one row per trace. Output: {@link #BASE} columns, {@code category} (the
   * configured category tag), then one column per configured metadata and tag key.
   */
  public static Dataset<Row> flatten(Dataset<Row> traces, TracelakeConfig config) {
    List<Column> cols = new ArrayList<>();
    for (String c : BASE) {
      cols.add(col(c));
    }
    cols.add(col(TraceColumns.TAGS).getItem(config.analytics().categoryTag()).as("category"));
    flattenedColumns(config.flatten()).forEach((name, value) -> cols.add(value.as(name)));
    return traces.select(cols.toArray(new Column[0]));
  }
}
