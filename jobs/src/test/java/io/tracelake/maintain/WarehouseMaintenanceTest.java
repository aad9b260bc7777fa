package io.tracelake.maintain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.analytics.AnalyticsJob;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.generate.TraceGenerator;
import io.tracelake.ingest.IngestJob;
import io.tracelake.maintain.WarehouseMaintenance.TableUpkeep;
import io.tracelake.warehouse.Warehouse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code maintain} on a warehouse built by two small deliveries: every table's files are compacted and the
 * replaced ones deleted, and no table's contents change.
 */
class WarehouseMaintenanceTest {

  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

  @Test
  void compactsAndVacuumsEveryTableWithoutChangingItsRows() throws Exception {
    Path wh = SharedSpark.tempDir("wh-maintain");
    for (int delivery = 0; delivery < 2; delivery++) {
      Path export = SharedSpark.tempDir("maintain-export-" + delivery);
      new TraceGenerator(new TraceGenerator.Spec(60, 20 + delivery, 2, 5, 1, false,
          LocalDate.parse("2025-12-01"))).writeTo(export, 1);
      IngestJob.run(spark, config, new IngestJob.Options(List.of(export.toString()), wh.toString(), null));
      Warehouse w = Warehouse.openForRead(spark, wh.toString());
      AnalyticsJob.run(spark, config, w, AnalyticsJob.pendingDates(w));
    }
    Warehouse warehouse = Warehouse.openForRead(spark, wh.toString());
    Map<String, List<String>> before = contents(warehouse);

    List<TableUpkeep> upkeep = WarehouseMaintenance.run(warehouse, 0);

    assertEquals(before.keySet(), upkeep.stream().map(TableUpkeep::table).collect(Collectors.toSet()));
    TableUpkeep traces = upkeep.stream().filter(t -> t.table().equals("traces")).findFirst().orElseThrow();
    long partitions = warehouse.read("traces").select("request_date").distinct().count();
    assertTrue(traces.activeFilesBefore() > partitions, "two deliveries left two files per date: " + traces);
    assertEquals(partitions, traces.activeFilesAfter(), "one file per date after compaction");
    for (TableUpkeep t : upkeep) {
      assertEquals(t.activeFilesAfter(), t.storedFilesAfter(), "vacuum left only the files in use: " + t);
      assertTrue(t.storedFilesAfter() <= t.storedFilesBefore(), t.toString());
    }
    assertEquals(before, contents(warehouse), "no table's rows changed");
    assertTrue(spark.conf().get("spark.databricks.delta.retentionDurationCheck.enabled").equals("true"),
        "the session's retention check is restored");
  }

  private static Map<String, List<String>> contents(Warehouse warehouse) {
    return io.tracelake.explore.Warehouses.tableNames().stream().filter(warehouse::exists)
        .collect(Collectors.toMap(t -> t, t -> {
          Dataset<Row> rows = warehouse.read(t);
          return rows.toJSON().collectAsList().stream().sorted().toList();
        }));
  }
}
