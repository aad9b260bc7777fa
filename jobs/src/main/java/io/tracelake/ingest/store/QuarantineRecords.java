package io.tracelake.ingest.store;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.tracelake.schema.QuarantineColumns;
import io.tracelake.schema.TraceSchemas;
import io.tracelake.warehouse.ConcurrentWrites;
import io.tracelake.warehouse.TableNames;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Turns parse rejections into {@code traces_quarantine} rows and merges them in without duplicates. */
public final class QuarantineRecords {

  private static final StructType LINE_BASES = new StructType()
      .add("_b_source_file", org.apache.spark.sql.types.DataTypes.StringType)
      .add("_b_split_index", org.apache.spark.sql.types.DataTypes.IntegerType)
      .add("_b_base", org.apache.spark.sql.types.DataTypes.LongType);

  private QuarantineRecords() {}

  /**
   * How many lines of its file precede each byte range's first line, from the ranges' newline counts.
   *
   * @param splitStats rows of {@link TraceSchemas#SPLIT_STATS}
   * @return source_file → split_index → number of lines before the range's first line
   */
  public static Map<String, Map<Integer, Long>> lineBases(List<Row> splitStats) {
    Map<String, List<Row>> byFile = new HashMap<>();
    for (Row r : splitStats) {
      byFile.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
    }
    Map<String, Map<Integer, Long>> bases = new HashMap<>();
    byFile.forEach((file, rows) -> {
      rows.sort(Comparator.comparingInt(r -> r.getInt(1)));
      Map<Integer, Long> perSplit = new HashMap<>();
      long newlinesBefore = 0;
      for (Row r : rows) {
        boolean startsAfterNewline = r.getBoolean(3);
        perSplit.put(r.getInt(1), startsAfterNewline ? newlinesBefore : newlinesBefore + 1);
        newlinesBefore += r.getLong(2);
      }
      bases.put(file, perSplit);
    });
    return bases;
  }

  /**
   * Input: rejections ({@link TraceSchemas#PARSED_REJECTION}). Grain: one row per distinct rejected record. Output:
   * {@link TraceSchemas#QUARANTINE} columns; line numbers made file-absolute, and a {@code quarantine_id} that is a
   * hash of file, position, reason and raw text, so that re-ingesting the same input adds nothing.
   */
  public static Dataset<Row> toQuarantineRows(SparkSession spark, Dataset<Row> rejections,
      Map<String, Map<Integer, Long>> lineBases, Timestamp ingestedAt, String runId) {
    List<Row> baseRows = new ArrayList<>();
    lineBases.forEach((file, perSplit) -> perSplit.forEach((split, base) -> {
      if (split > 0) {
        baseRows.add(RowFactory.create(file, split, base));
      }
    }));
    Dataset<Row> bases = spark.createDataFrame(baseRows, LINE_BASES);
    Column base = coalesce(col("_b_base"), lit(0L));
    Column absoluteLine = col(QuarantineColumns.LINE_NUMBER).plus(base);
    Dataset<Row> fixed = rejections
        .join(broadcast(bases), col(QuarantineColumns.SOURCE_FILE).equalTo(col("_b_source_file"))
            .and(col("split_index").equalTo(col("_b_split_index"))), "left")
        .withColumn(QuarantineColumns.POSITION,
            when(col("_b_base").isNotNull().and(col(QuarantineColumns.LINE_NUMBER).isNotNull()),
                regexp_replace(col(QuarantineColumns.POSITION), lit("^line [0-9]+"),
                    concat(lit("line "), absoluteLine.cast("string"))))
                .otherwise(col(QuarantineColumns.POSITION)))
        .withColumn(QuarantineColumns.LINE_NUMBER, absoluteLine)
        .withColumn(QuarantineColumns.QUARANTINE_ID, sha2(concat_ws("\u0001",
            col(QuarantineColumns.SOURCE_FILE), coalesce(col(QuarantineColumns.POSITION), lit("")),
            col(QuarantineColumns.REASON), coalesce(col(QuarantineColumns.RAW), lit(""))), 256))
        .withColumn(QuarantineColumns.INGESTED_AT, lit(ingestedAt))
        .withColumn(QuarantineColumns.RUN_ID, lit(runId));
    List<Column> cols = new ArrayList<>();
    for (StructField f : TraceSchemas.QUARANTINE.fields()) {
      cols.add(col(f.name()));
    }
    return fixed.select(cols.toArray(new Column[0])).dropDuplicates(QuarantineColumns.QUARANTINE_ID);
  }

  /** Inserts the rows whose quarantine_id the table does not hold yet; one Delta transaction. */
  public static void mergeInto(DeltaTable table, Dataset<Row> rows) {
    ConcurrentWrites.retrying(TableNames.QUARANTINE, () -> table.as("t")
        .merge(rows.as("s"), col("t." + QuarantineColumns.QUARANTINE_ID)
            .equalTo(col("s." + QuarantineColumns.QUARANTINE_ID)))
        .whenNotMatched()
        .insertAll()
        .execute());
  }
}
