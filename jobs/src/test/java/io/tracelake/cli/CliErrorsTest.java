package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A user's mistake gives one clear line on stderr and exit code 2. */
class CliErrorsTest {

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    SharedSpark.session();
    CommandLine cli = TracelakeCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    int code = cli.execute(args);
    return new Result(code, err.toString());
  }

  @Test
  void missingInputPath() {
    Result r = run("ingest", "--input", "/no/such/export.jsonl", "--warehouse",
        SharedSpark.tempDir("wh-cli").toString());
    assertEquals(2, r.code());
    assertEquals("tracelake ingest: Input path does not exist: /no/such/export.jsonl "
        + "(give a file or folder of MLflow trace exports)", r.err().trim());
  }

  @Test
  void watchOfMissingFolder() {
    Result r = run("watch", "--input", "/no/such/inbox", "--warehouse", SharedSpark.tempDir("wh-cli").toString(),
        "--batches", "1");
    assertEquals(2, r.code());
    assertEquals("tracelake watch: Input path does not exist: /no/such/inbox "
        + "(give a file or folder of MLflow trace exports)", r.err().trim());
  }

  @Test
  void watchWithoutPause() {
    Result r = run("watch", "--input", "x", "--warehouse", "y", "--every", "0");
    assertEquals(2, r.code());
    assertEquals("tracelake watch: --every must be more than 0 seconds, got 0.0", r.err().trim());
  }

  @Test
  void badFormatOption() {
    Result r = run("ingest", "--input", "x", "--warehouse", "y", "--format", "csv");
    assertEquals(2, r.code());
    assertTrue(r.err().trim().startsWith("tracelake ingest: Invalid --format: unknown format 'csv'; valid: auto,"),
        r.err());
  }

  @Test
  void unknownConfigKey() {
    Result r = run("ingest", "--input", "x", "--warehouse", "y", "--conf", "nope=1");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("tracelake ingest: Unknown config key 'nope'; valid keys here: columns,"), r.err());
  }

  @Test
  void warehouseThatIsAFile() {
    Result r = run("ingest", "--input", SharedSpark.fixture("mlflow2.jsonl").toString(), "--warehouse",
        SharedSpark.fixture("mlflow2.jsonl").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("is a file; give a folder"), r.err());
  }

  @Test
  void missingRequiredOption() {
    Result r = run("ingest", "--input", "x");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("Missing required option: '--warehouse=DIR'"), r.err());
  }

  @Test
  void neitherFilesNorTablesToRead() {
    Result r = run("ingest", "--warehouse", "y");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("tracelake ingest: Give --input PATH... (export files or folders), "
        + "--input-table NAME_OR_PATH... (tables of traces), --input-otel TABLE_OR_PREFIX... (OpenTelemetry "
        + "tables), or several"), r.err());
  }
}
