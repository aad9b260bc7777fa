package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import io.tracelake.schema.TraceSchemas;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructField;

/** Transformations from parsed traces to rows of the canonical {@code traces} table. */
public final class CanonicalTraces {

  private CanonicalTraces() {}

  /**
   * Resolves the configured identity columns and adds the ingest columns.
   *
   * <p>Input: rows of {@link TraceSchemas#PARSED_TRACE}. Grain: unchanged (one row per parsed record, duplicates
   * included). Output: {@link TraceSchemas#TRACES} columns in table order. Each identity column is the first
   * non-empty value among its configured metadata keys, then its root span attributes; empty strings become null.
   */
  public static Dataset<Row> fromParsed(Dataset<Row> parsed, TracelakeConfig config, Timestamp ingestedAt) {
    return withRecordHash(parsed, config).withColumn(TraceColumns.INGESTED_AT, lit(ingestedAt))
        .select(tableColumns());
  }

  /**
   * The parsed rows with the configured identity columns, the cost columns and {@code record_hash} added: what names
   * the version of a trace that {@link #fromParsed} writes. Input: {@link TraceSchemas#PARSED_TRACE} rows; grain
   * unchanged.
   */
  static Dataset<Row> withRecordHash(Dataset<Row> parsed, TracelakeConfig config) {
    Dataset<Row> withIdentity = parsed;
    for (Map.Entry<String, TracelakeConfig.KeySources> c : config.columns().byColumn().entrySet()) {
      withIdentity = withIdentity.withColumn(c.getKey(), firstNonEmpty(c.getValue()));
    }
    return withIdentity.withColumn(TraceColumns.RECORD_HASH, recordHash());
  }

  /**
   * Keeps one row per trace_id: the freshest (see {@link #freshness(String)}); among equally fresh rows, the one from
   * the first source file by name. Input and output: {@link TraceSchemas#TRACES} columns.
   */
  public static Dataset<Row> dedupeByFreshness(Dataset<Row> traces) {
    return traces
        .withColumn("_rank", row_number().over(Window.partitionBy(TraceColumns.TRACE_ID)
            .orderBy(freshness("").desc(), col(TraceColumns.SOURCE_FILE).asc_nulls_last())))
        .where(col("_rank").equalTo(1))
        .drop("_rank");
  }

  /**
   * How fresh a version of a trace is, as a struct compared field by field: completion of the state (a finished
   * trace beats an in-progress one), the latest assessment update, the number of assessments, tags and metadata
   * entries, and last the record hash, which makes the order total and so deterministic.
   *
   * @param prefix a table alias with its dot ({@code "t."}), or empty
   */
  public static Column freshness(String prefix) {
    return freshness(prefix, true);
  }

  /**
   * {@link #freshness(String)} without the record hash: equal for two versions that differ only in content that
   * does not count as fresher, or only in the mapping that resolved their identity columns.
   */
  public static Column freshnessIgnoringHash(String prefix) {
    return freshness(prefix, false);
  }

  private static Column freshness(String prefix, boolean withHash) {
    Column state = col(prefix + TraceColumns.STATE);
    Column stateRank = when(state.isin(TraceColumns.STATE_OK, TraceColumns.STATE_ERROR), 2)
        .when(state.equalTo(TraceColumns.STATE_IN_PROGRESS), 1)
        .otherwise(0);
    Column latestAssessment = coalesce(
        array_max(transform(col(prefix + TraceColumns.ASSESSMENTS),
            a -> coalesce(a.getField("last_update_time"), a.getField("create_time")))),
        lit(new Timestamp(0)));
    List<Column> fields = new ArrayList<>(List.of(
        stateRank.as("state_rank"),
        latestAssessment.as("latest_assessment"),
        coalesce(size(col(prefix + TraceColumns.ASSESSMENTS)), lit(0)).as("assessments"),
        coalesce(size(col(prefix + TraceColumns.TAGS)), lit(0)).as("tags"),
        coalesce(size(col(prefix + TraceColumns.TRACE_METADATA)), lit(0)).as("metadata")));
    if (withHash) {
      fields.add(col(prefix + TraceColumns.RECORD_HASH).as("hash"));
    }
    return struct(fields.toArray(new Column[0]));
  }

  private static Column firstNonEmpty(TracelakeConfig.KeySources sources) {
    List<Column> candidates = new ArrayList<>();
    for (String key : sources.metadata()) {
      candidates.add(nonEmpty(col(TraceColumns.TRACE_METADATA).getItem(key)));
    }
    for (String key : sources.rootSpanAttributes()) {
      candidates.add(nonEmpty(col(TraceColumns.ROOT_SPAN_ATTRIBUTES).getItem(key)));
    }
    return candidates.size() == 1 ? candidates.get(0) : coalesce(candidates.toArray(new Column[0]));
  }

  private static Column nonEmpty(Column value) {
    return when(length(value).gt(0), value);
  }

  /**
   * The record hash: the content hash computed while parsing, combined with the configured identity columns and the
   * cost (which a change of config can change without a change of content).
   */
  private static Column recordHash() {
    return xxhash64(col(TraceColumns.CONTENT_HASH), col(TraceColumns.USER_ID), col(TraceColumns.SESSION_ID),
        col(TraceColumns.ENVIRONMENT), col(TraceColumns.APP_VERSION), col(TraceColumns.DEPLOYMENT_ID),
        col(TraceColumns.COST_USD), col(TraceColumns.COST_SOURCE), col(TraceColumns.UNPRICED_MODELS));
  }

  private static Column[] tableColumns() {
    List<Column> cols = new ArrayList<>();
    for (StructField f : TraceSchemas.TRACES.fields()) {
      cols.add(col(f.name()));
    }
    return cols.toArray(new Column[0]);
  }
}
