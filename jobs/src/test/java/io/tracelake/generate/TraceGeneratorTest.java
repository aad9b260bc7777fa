package io.tracelake.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.config.ConfigLoader;
import io.tracelake.ingest.IngestJob;
import io.tracelake.ingest.IngestSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TraceGeneratorTest {

  private static TraceGenerator.Spec spec(long seed, int files, boolean gzip) {
    return new TraceGenerator.Spec(2000, seed, 5, 40, files, gzip, LocalDate.parse("2025-11-01"));
  }

  @Test
  void sameSeedWritesTheSameBytes() throws IOException {
    List<Path> a = new TraceGenerator(spec(7, 3, false)).writeTo(SharedSpark.tempDir("gen-a"), 2);
    List<Path> b = new TraceGenerator(spec(7, 3, false)).writeTo(SharedSpark.tempDir("gen-b"), 1);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)));
    }
    List<Path> c = new TraceGenerator(spec(8, 3, false)).writeTo(SharedSpark.tempDir("gen-c"), 2);
    assertFalse(Files.readString(a.get(0)).equals(Files.readString(c.get(0))));
  }

  @Test
  void writesExactlyTheRequestedTracesThatIngestCleanly() throws IOException {
    Path out = SharedSpark.tempDir("gen-ingest");
    new TraceGenerator(spec(3, 2, true)).writeTo(out, 2);
    Path wh = SharedSpark.tempDir("wh-gen");
    IngestSummary s = IngestJob.run(SharedSpark.session(), ConfigLoader.defaults(),
        new IngestJob.Options(List.of(out.toString()), wh.toString(), null));
    assertEquals(2000, s.inserted(), s.render());
    assertEquals(0, s.quarantined());
    Dataset<Row> traces = SharedSpark.session().read().format("delta").load(wh.resolve("traces").toString());
    assertTrue(traces.select("app_version").distinct().count() >= 2, "several app versions");
    assertTrue(traces.select("environment").distinct().count() >= 2, "several environments");
    assertTrue(traces.where("state = 'ERROR'").count() > 0, "some errors");
    assertTrue(traces.where("size(assessments) > 0").count() > 0, "some assessments");
    assertTrue(traces.where("session_id IS NOT NULL").groupBy("session_id").count().where("count > 1").count() > 0,
        "multi-turn sessions");
    assertTrue(traces.where("tags['query_category'] IS NOT NULL").count() == 2000);
  }
}
