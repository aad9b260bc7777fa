package io.tracelake.eval;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.tracelake.analytics.SessionTurns;
import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which traces go into an evaluation dataset: the filter, whole sessions, one record per distinct input, and a
 * seeded sample. Every step is a Spark plan over the tables; only the per-group record counts of a stratified sample
 * reach the driver.
 */
public final class EvalSelection {

  private EvalSelection() {}

  /** The columns {@code --stratify-by} takes, by the name a user gives. */
  public static final List<String> STRATA = List.of("app_version", "environment", "user_id", "category");

  /**
   * What to select. {@code maxRecords} null keeps every record; {@code stratifyBy} is one of {@link #STRATA} or null;
   * {@code categoryTag} is the tag the {@code category} stratum reads.
   */
  public record Options(Column filter, boolean wholeSessions, boolean dedupeInputs, Integer maxRecords, long seed,
      String stratifyBy, String categoryTag) {}

  private static final String UNIT = "_unit";
  private static final String STRATUM = "_stratum";
  private static final String UNIT_SIZE = "_unit_size";
  private static final String UNIT_ORDER = "_unit_order";

  /**
   * Input: the {@code traces} table. Grain: one row per selected trace. Output: the traces columns, {@code turn}
   * (numbered over every trace of the session in the table, as in {@code session_turns}) and the record columns of
   * {@link EvalRecords}.
   *
   * <p>Steps: the traces matching the filter; with {@code wholeSessions}, every trace of each session that has a
   * match (a match without a session is taken alone); with {@code dedupeInputs}, the most recent trace per distinct
   * {@code inputs} (latest {@code request_time}, ties: greatest {@code trace_id}); with {@code maxRecords}, a sample
   * decided by a hash of the seed and the unit (a trace, or with {@code wholeSessions} a whole session, so that a
   * conversation is kept or dropped as one): units are taken in hash order while the records stay within the
   * quota. A stratified sample gives each group of the stratum (a session's group is its first selected turn's) a
   * quota of {@code maxRecords} in proportion to its records (largest remainders, ties by group value).
   */
  public static Dataset<Row> select(Dataset<Row> traces, Options options) {
    Dataset<Row> matching = traces.where(options.filter());
    Dataset<Row> sessions = matching.where(col(TraceColumns.SESSION_ID).isNotNull())
        .select(TraceColumns.SESSION_ID).distinct();
    Dataset<Row> selected = options.wholeSessions()
        ? traces.join(sessions, new String[] {TraceColumns.SESSION_ID}, "left_semi").unionByName(matching.where(col(TraceColumns.SESSION_ID).isNull()))
        : matching;
    Dataset<Row> turns = traces.join(sessions, TraceColumns.SESSION_ID)
        .select(col(TraceColumns.TRACE_ID), row_number().over(SessionTurns.turnOrder()).as(EvalRecords.TURN));
    Dataset<Row> records = EvalRecords.attach(selected.join(turns, new String[] {TraceColumns.TRACE_ID},
        "left"));
    if (options.dedupeInputs()) {
      records = records.withColumn("_latest", row_number().over(Window.partitionBy(EvalRecords.INPUTS_KEY)
              .orderBy(col(TraceColumns.REQUEST_TIME).desc(), col(TraceColumns.TRACE_ID).desc())))
          .where(col("_latest").equalTo(1)).drop("_latest");
    }
    return options.maxRecords() == null ? records : sample(records, options);
  }

  /** The records in their file order: by session, then turn; traces without a session after, by request time. */
  public static Dataset<Row> inFileOrder(Dataset<Row> records) {
    return records.orderBy(col(TraceColumns.SESSION_ID).asc_nulls_last(), col(EvalRecords.TURN),
        col(TraceColumns.REQUEST_TIME), col(TraceColumns.TRACE_ID));
  }

  private static Dataset<Row> sample(Dataset<Row> records, Options options) {
    Column traceUnit = concat(lit("t:"), col(TraceColumns.TRACE_ID));
    Column unit = options.wholeSessions()
        ? when(col(TraceColumns.SESSION_ID).isNotNull(), concat(lit("s:"), col(TraceColumns.SESSION_ID)))
            .otherwise(traceUnit)
        : traceUnit;
    Column stratum = options.stratifyBy() == null ? lit(null).cast(DataTypes.StringType)
        : first(stratumColumn(options.stratifyBy(), options.categoryTag())).over(Window.partitionBy(UNIT)
            .orderBy(col(EvalRecords.TURN), col(TraceColumns.REQUEST_TIME), col(TraceColumns.TRACE_ID)));
    Dataset<Row> withUnits = records.withColumn(UNIT, unit).withColumn(STRATUM, stratum);
    Dataset<Row> units = withUnits.groupBy(UNIT, STRATUM).agg(count(lit(1)).as(UNIT_SIZE))
        .withColumn(UNIT_ORDER, xxhash64(lit(options.seed()), col(UNIT)));

    List<Row> groups = units.groupBy(STRATUM).agg(sum(UNIT_SIZE).as("n")).orderBy(col(STRATUM).asc_nulls_first())
        .collectAsList();
    Dataset<Row> quotas = records.sparkSession().createDataFrame(
        quotas(groups, options.maxRecords()),
        new StructType().add("q_stratum", DataTypes.StringType).add("quota", DataTypes.LongType));
    Dataset<Row> kept = units.join(broadcast(quotas), col(STRATUM).eqNullSafe(col("q_stratum")))
        .withColumn("_cumulative", sum(UNIT_SIZE).over(Window.partitionBy(STRATUM)
            .orderBy(col(UNIT_ORDER), col(UNIT)).rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
        .where(col("_cumulative").leq(col("quota")))
        .select(UNIT);
    return withUnits.join(kept, withUnits.col(UNIT).equalTo(kept.col(UNIT)), "left_semi").drop(UNIT, STRATUM);
  }

  static Column stratumColumn(String stratifyBy, String categoryTag) {
    return stratifyBy.equals("category") ? col(TraceColumns.TAGS).getItem(categoryTag) : col(stratifyBy);
  }

  /**
   * Each group's share of {@code maxRecords} by largest remainders (Hamilton): floor of its proportional share, then
   * one more for the groups with the largest fractions, ties in the groups' order. Input rows: (group value, records)
   * in group order. All groups whole when there are no more records than {@code maxRecords}.
   */
  static List<Row> quotas(List<Row> groups, long maxRecords) {
    long total = groups.stream().mapToLong(g -> g.getLong(1)).sum();
    List<Row> out = new ArrayList<>();
    if (total <= maxRecords) {
      groups.forEach(g -> out.add(RowFactory.create(g.get(0), g.getLong(1))));
      return out;
    }
    long[] quota = new long[groups.size()];
    long[] remainder = new long[groups.size()]; // share * total, fraction part, kept exact as a long
    long given = 0;
    for (int i = 0; i < groups.size(); i++) {
      long exact = groups.get(i).getLong(1) * maxRecords; // numerator over total
      quota[i] = exact / total;
      remainder[i] = exact % total;
      given += quota[i];
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Long.compare(remainder[b], remainder[a])); // stable: ties keep group order
    for (int k = 0; given < maxRecords; k++, given++) {
      quota[order.get(k)]++;
    }
    for (int i = 0; i < groups.size(); i++) {
      out.add(RowFactory.create(groups.get(i).get(0), quota[i]));
    }
    return out;
  }
}
