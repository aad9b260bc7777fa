package io.tracelake.reliability;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_from_entries;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.to_json;

import io.delta.tables.DeltaTable;
import io.tracelake.analytics.AnalyticsTables;
import io.tracelake.spark.Sessions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;

/**
 * Compares every table of two warehouses by content (not counts): the rows that do not depend on when or by which
 * run they were written, maps as sorted JSON, doubles to nine decimals (sums in another order differ in the last
 * bit). Used by {@code bin/chaos-test} against a clean run of the same inputs. Exit code 1 when any table differs.
 *
 * <p>usage: CompareWarehouses EXPECTED_DIR ACTUAL_DIR
 */
public final class CompareWarehouses {

  /** Columns that record when or by which run a row was written. */
  private static final List<String> RUN_COLUMNS = List.of("ingested_at", "run_id", "quarantine_id");

  /** More columns to leave out, from {@code -Dcompare.ignore=a,b}: e.g. source_file, when the two read other paths. */
  private static final List<String> IGNORED = List.of(System.getProperty("compare.ignore", "").split(","));

  private CompareWarehouses() {}

  public static void main(String[] args) {
    SparkSession spark = Sessions.getOrCreate("compare-warehouses");
    List<String> different = differences(spark, args[0], args[1], System.out::println);
    spark.stop();
    System.out.println(different.isEmpty() ? "all tables equal" : different.size() + " table(s) differ");
    System.exit(different.isEmpty() ? 0 : 1);
  }

  /**
   * Compares every table of the two warehouses, printing one line per table to {@code out}.
   *
   * @return the lines of the tables that differ
   */
  public static List<String> differences(SparkSession spark, String expectedRoot, String actualRoot,
      java.util.function.Consumer<String> out) {
    List<String> tables = new ArrayList<>(List.of("traces", "spans", "traces_quarantine"));
    tables.addAll(AnalyticsTables.all());
    tables.addAll(AnalyticsTables.optional());
    List<String> different = new ArrayList<>();
    for (String table : tables) {
      String expectedPath = expectedRoot + "/" + table;
      String actualPath = actualRoot + "/" + table;
      boolean inExpected = DeltaTable.isDeltaTable(spark, expectedPath);
      if (inExpected != DeltaTable.isDeltaTable(spark, actualPath)) {
        different.add(String.format("%-22s DIFFERENT: a Delta table in only one warehouse", table));
        out.accept(different.get(different.size() - 1));
        continue;
      }
      if (!inExpected) {
        continue;
      }
      Dataset<Row> expected = comparable(spark.read().format("delta").load(expectedPath)).cache();
      Dataset<Row> actual = comparable(spark.read().format("delta").load(actualPath)).cache();
      long missing = expected.exceptAll(actual).count();
      long extra = actual.exceptAll(expected).count();
      if (missing == 0 && extra == 0) {
        out.accept(String.format("%-22s equal (%,d rows)", table, expected.count()));
      } else {
        different.add(String.format("%-22s DIFFERENT: %,d rows expected, %,d found; %,d missing, %,d extra", table,
            expected.count(), actual.count(), missing, extra));
        out.accept(different.get(different.size() - 1));
      }
      expected.unpersist();
      actual.unpersist();
    }
    return different;
  }

  static Dataset<Row> comparable(Dataset<Row> table) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : table.schema().fields()) {
      if (RUN_COLUMNS.contains(f.name()) || IGNORED.contains(f.name())) {
        continue;
      }
      Column c = col(f.name());
      if (f.dataType() instanceof MapType) {
        c = to_json(map_from_entries(array_sort(map_entries(c))));
      } else if (f.dataType() instanceof DoubleType) {
        c = round(c, 9);
      }
      columns.add(c.as(f.name()));
    }
    return table.select(columns.toArray(new Column[0]));
  }
}
