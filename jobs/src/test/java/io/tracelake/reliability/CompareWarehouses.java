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
    List<String> tables = new ArrayList<>(List.of("traces", "spans", "traces_quarantine"));
    tables.addAll(AnalyticsTables.all());
    tables.addAll(AnalyticsTables.optional());
    int different = 0;
    for (String table : tables) {
      String expectedPath = args[0] + "/" + table;
      String actualPath = args[1] + "/" + table;
      boolean inExpected = DeltaTable.isDeltaTable(spark, expectedPath);
      if (inExpected != DeltaTable.isDeltaTable(spark, actualPath)) {
        System.out.printf("%-22s DIFFERENT: a Delta table in only one warehouse%n", table);
        different++;
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
        System.out.printf("%-22s equal (%,d rows)%n", table, expected.count());
      } else {
        System.out.printf("%-22s DIFFERENT: %,d rows expected, %,d found; %,d missing, %,d extra%n", table,
            expected.count(), actual.count(), missing, extra);
        different++;
      }
      expected.unpersist();
      actual.unpersist();
    }
    spark.stop();
    System.out.println(different == 0 ? "all tables equal" : different + " table(s) differ");
    System.exit(different == 0 ? 0 : 1);
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
