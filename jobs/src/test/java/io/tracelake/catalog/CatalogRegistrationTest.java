package io.tracelake.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SamplesWarehouse;
import io.tracelake.SharedSpark;
import io.tracelake.UserInputException;
import io.tracelake.schema.AnalyticsSchemas;
import io.tracelake.warehouse.CatalogRegistration;
import io.tracelake.warehouse.Warehouse;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Tables by name: {@code --schema} registers every table of the warehouse in the session's catalog. Once in the
 * suite's session (Spark's in-memory catalog: once only, and never over another warehouse's table), and once
 * against a real Hive metastore (Spark's built-in Hive client on an embedded Derby database), where a
 * {@code tracelake run --schema} in one JVM registers the tables and a second application, which knows no path,
 * reads them by name. Both register the samples' warehouse the suite builds once ({@link SamplesWarehouse}); the
 * scheduled {@code run} is the next one over the same samples (every file already read), into a copy of it.
 */
class CatalogRegistrationTest {

  @Test
  void everyTableIsRegisteredOnceAndARegistrationOfAnotherWarehouseIsRefused() {
    SparkSession spark = SharedSpark.session();
    Path warehouse = SamplesWarehouse.path();  // registration writes the catalog only, never the warehouse
    try {
      Warehouse wh = Warehouse.openForRead(spark, warehouse.toString());
      CatalogRegistration.Registered first = CatalogRegistration.register(wh, "", "tl_registration");
      assertEquals(wh.tables(), first.added());
      for (String table : wh.tables()) {
        assertEquals(wh.read(table).count(), spark.table("tl_registration." + table).count(), table);
      }
      CatalogRegistration.Registered again = CatalogRegistration.register(wh, "", "tl_registration");
      assertEquals(List.of(), again.added());
      assertEquals(wh.tables(), again.alreadyThere());

      Path other = SharedSpark.tempDir("wh-catalog-other");
      spark.range(1).write().format("delta").save(other.resolve("traces").toString());
      UserInputException e = assertThrows(UserInputException.class, () -> CatalogRegistration.register(
          Warehouse.openForRead(spark, other.toString()), "", "tl_registration"));
      assertTrue(e.getMessage().contains("is already registered at"), e.getMessage());
    } finally {
      spark.sql("DROP SCHEMA IF EXISTS tl_registration CASCADE");
    }
  }

  @Test
  void aRunRegistersTheTablesInAHiveMetastoreAndAnotherApplicationReadsThemByName() throws Exception {
    Path work = SharedSpark.tempDir("hive-metastore");
    Path warehouse = SamplesWarehouse.copy("wh-samples-hive");
    String runOut = runChild(work, "io.tracelake.cli.TracelakeCli", "run", "--input",
        SamplesWarehouse.samples().toString(), "--warehouse", warehouse.toString(), "--schema", "tracelake");
    assertTrue(runOut.contains("Tables by name in `tracelake`: 19 (19 added)"), runOut);

    String probeOut = runChild(work, MetastoreProbe.class.getName(), "SHOW TABLES IN tracelake",
        "SELECT count(*) AS n FROM tracelake.traces", "SELECT count(*) AS n FROM tracelake.sessions",
        "SELECT sum(interactions) AS n FROM spark_catalog.tracelake.daily_user_activity",
        "DESCRIBE TABLE tracelake.sessions");
    SparkSession spark = SharedSpark.session();
    Warehouse wh = Warehouse.openForRead(spark, warehouse.toString());
    for (String table : wh.tables()) {
      assertTrue(probeOut.contains("\"tableName\":\"" + table + "\""), table + " listed:\n" + probeOut);
    }
    long traces = wh.read("traces").count();
    assertTrue(probeOut.contains(">>> SELECT count(*) AS n FROM tracelake.traces\n{\"n\":" + traces + "}"), probeOut);
    assertTrue(probeOut.contains(">>> SELECT count(*) AS n FROM tracelake.sessions\n{\"n\":"
        + wh.read("sessions").count() + "}"), probeOut);
    assertTrue(probeOut.contains("daily_user_activity\n{\"n\":" + traces + "}"), probeOut);
    assertTrue(probeOut.contains("{\"col_name\":\"user_count\",\"data_type\":\"bigint\",\"comment\":\""
        + AnalyticsSchemas.SESSIONS.columnComment("user_count") + "\"}"),
        "the catalog shows the comments:\n" + probeOut);
  }

  /**
   * Runs {@code mainClass} in a JVM of its own with the test classpath and a Hive metastore on embedded Derby under
   * {@code work}; returns what it printed, after checking that it exited 0.
   */
  private static String runChild(Path work, String mainClass, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("-Dlog4j2.configurationFile") || a.startsWith("-Djava.io.tmpdir")) {
        command.add(a);
      }
    }
    command.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false",
        "-Dspark.sql.shuffle.partitions=2", "-Dspark.databricks.delta.snapshotPartitions=1",
        "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
        "-Dspark.sql.catalogImplementation=hive",
        "-Dspark.sql.warehouse.dir=" + work.resolve("spark-warehouse"),
        "-Dspark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=" + work.resolve("metastore_db")
            + ";create=true",
        "-Dderby.system.home=" + work));
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(mainClass);
    command.addAll(List.of(args));
    Path output = Files.createTempFile(work, mainClass.substring(mainClass.lastIndexOf('.') + 1), ".out");
    Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    boolean done = process.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly().waitFor();
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    assertTrue(done, "finished within 5 minutes:\n" + text);
    assertEquals(0, process.exitValue(), text);
    return text;
  }
}
