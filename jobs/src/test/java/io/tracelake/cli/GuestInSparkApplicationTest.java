package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code TracelakeCli.main} inside a Spark application that is already running, as a Databricks JAR task calls it:
 * it uses that session, leaves it running and never calls {@code System.exit} (which would end this test JVM); a
 * failed command is an exception.
 */
class GuestInSparkApplicationTest {

  @Test
  void mainRunsInTheExistingSessionAndLeavesItRunning() {
    SparkSession spark = SharedSpark.session();
    Path warehouse = SharedSpark.tempDir("wh-guest");
    Path samples = Path.of(System.getProperty("tracelake.repo.root", ".."), "samples", "mlflow3");

    TracelakeCli.main(new String[] {"ingest", "--input", samples.toString(), "--warehouse", warehouse.toString()});

    assertFalse(spark.sparkContext().isStopped(), "the host application's session is still running");
    assertTrue(SparkSession.getActiveSession().isDefined());
    assertEquals(400, spark.read().format("delta").load(warehouse.resolve("traces").toString()).count());
  }

  @Test
  void aFailedCommandIsAnExceptionNotAnExit() {
    SharedSpark.session();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TracelakeCli.main(
        new String[] {"ingest", "--input", "/no/such/export.jsonl", "--warehouse", "/tmp/unused"}));
    assertTrue(e.getMessage().contains("failed with exit code 2"), e.getMessage());
  }
}
