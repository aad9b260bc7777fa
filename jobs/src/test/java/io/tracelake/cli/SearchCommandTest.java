package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tracelake search} end to end: filter, order, limit, and JSON output that ingest reads back. */
class SearchCommandTest {

  private static final StringWriter ERR = new StringWriter();

  private static int run(String... args) {
    CommandLine cli = TracelakeCli.commandLine();
    ERR.getBuffer().setLength(0);
    cli.setErr(new PrintWriter(ERR, true));
    return cli.execute(args);
  }

  @Test
  void jsonOutputOfASearchIsReadBackByIngest() throws IOException {
    Path wh = SharedSpark.tempDir("wh-search");
    IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(), new IngestJob.Options(
        List.of(SharedSpark.fixture("mlflow3.jsonl").toString(), SharedSpark.fixture("search_envelope.json")
            .toString()), wh.toString(), null));
    Path out = SharedSpark.tempDir("search-out").resolve("found.jsonl");
    assertEquals(0, run("search", "--warehouse", wh.toString(), "--filter",
        "metadata.`mlflow.trace.user` = 'user-42' OR tags.query_category = 'technical'", "--order-by",
        "timestamp_ms ASC", "--max-results", "3", "--format", "json", "--output", out.toString()));
    List<String> lines = Files.readAllLines(out);
    assertEquals(3, lines.size(), "limited to 3 of the 4 matching traces");
    assertTrue(lines.get(0).contains("\"trace_id\":\"tr-8b1c3a5e0f2d4c6b9a7e1f3d5c7b9a01\""), lines.get(0));

    Path again = SharedSpark.tempDir("wh-search-again");
    IngestSummary s = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(out.toString()), again.toString(), null));
    assertEquals(3, s.inserted(), s.render());
    assertEquals(0, s.quarantined(), s.render());
    Set<String> original = ids(SharedSpark.session().read().format("delta").load(wh.resolve("traces").toString())
        .where("user_id = 'user-42' OR tags['query_category'] = 'technical'").orderBy("request_time").limit(3)
        .collectAsList());
    Set<String> readBack = ids(SharedSpark.session().read().format("delta").load(again.resolve("traces").toString())
        .collectAsList());
    assertEquals(original, readBack);
  }

  @Test
  void badFilterFailsBeforeSparkWithExitCode2() {
    assertEquals(2, run("search", "--warehouse", "/no/such/warehouse", "--filter", "tags.x IN ('a')"));
    assertTrue(ERR.toString().startsWith("tracelake search: Invalid comparator 'IN' for tag 'x' at position 7"),
        "the filter is checked before the warehouse: " + ERR);
    assertEquals(2, run("search", "--warehouse", "/no/such/warehouse", "--order-by", "span.name DESC"));
    assertTrue(ERR.toString().contains("Invalid order_by entity 'span'"), ERR.toString());
    assertEquals(2, run("search", "--warehouse", "w", "--max-results", "0"));
  }

  private static Set<String> ids(List<Row> rows) {
    return rows.stream().map(r -> r.<String>getAs("trace_id")).collect(Collectors.toCollection(TreeSet::new));
  }
}
