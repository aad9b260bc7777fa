package io.tracelake.analytics;

import static org.apache.spark.sql.functions.col;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code traces_flat} table: traces with the metadata and tag keys named in config as columns of their own, and
 * without the large payload columns, for BI tools and notebooks.
 *
 * <p>Column names: {@code meta_<key>} for metadata, {@code tag_<key>} for tags, the key lower-cased with every run of
 * characters other than {@code a-z0-9} replaced by one {@code _} (so {@code mlflow.source.type} becomes
 * {@code meta_mlflow_source_type}). Two keys that map to the same name are a config error.
 */
public final class FlatTraces {

  private FlatTraces() {}

  /** Base columns kept from {@code traces}, in order. */
  static final List<String> BASE = List.of(TraceColumns.TRACE_ID, TraceColumns.REQUEST_TIME,
      TraceColumns.REQUEST_DATE, TraceColumns.USER_ID, TraceColumns.SESSION_ID, TraceColumns.ENVIRONMENT,
      TraceColumns.APP_VERSION, TraceColumns.DEPLOYMENT_ID, TraceColumns.STATE, TraceColumns.EXECUTION_DURATION_MS,
      TraceColumns.TRACE_NAME, TraceColumns.INPUT_TOKENS, TraceColumns.OUTPUT_TOKENS, TraceColumns.TOTAL_TOKENS,
      TraceColumns.SPAN_COUNT, TraceColumns.REQUEST_PREVIEW, TraceColumns.RESPONSE_PREVIEW);

  /** A safe column name for a key: lower case, runs of other characters as one underscore. */
  public static String columnName(String prefix, String key) {
    String name = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    return prefix + (name.isEmpty() ? "key" : name);
  }

  /** Configured key → column name, metadata first; fails on two keys with one name. */
  public static Map<String, Column> flattenedColumns(TracelakeConfig.Flatten flatten) {
    Map<String, Column> columns = new LinkedHashMap<>();
    Map<String, String> origin = new LinkedHashMap<>();
    for (String key : flatten.metadata()) {
      add(columns, origin, columnName("meta_", key), "flatten.metadata '" + key + "'",
          col(TraceColumns.TRACE_METADATA).getItem(key));
    }
    for (String key : flatten.tags()) {
      add(columns, origin, columnName("tag_", key), "flatten.tags '" + key + "'",
          col(TraceColumns.TAGS).getItem(key));
    }
    return columns;
  }

  private static void add(Map<String, Column> columns, Map<String, String> origin, String name, String from,
      Column value) {
    if (origin.containsKey(name)) {
      throw new io.tracelake.config.ConfigException("Config keys " + origin.get(name) + " and " + from
          + " both become column '" + name + "'; drop one of them");
    }
    origin.put(name, from);
    columns.put(name, value);
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
