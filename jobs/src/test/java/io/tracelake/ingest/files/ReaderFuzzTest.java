package io.tracelake.ingest.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.TraceCost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.Test;

/**
 * A fixed-seed fuzz of the reader through a real parse task (no Spark job): real records of every shape, mutated by
 * truncation, byte flips, inserted brackets and swapped value types. Every mutated JSON line must come out as a trace
 * or as a quarantined record with a reason, no exception may escape, and the rows must add up; a mutated whole-file
 * document must not throw either, and each rejection must carry a reason and a position.
 */
class ReaderFuzzTest {

  private static final long SEED = 20261201L;
  private static final int MUTATIONS_PER_LINE = 120;
  private static final int MUTATIONS_PER_DOCUMENT = 40;
  private static final Pattern STRING_VALUE = Pattern.compile(":\\s*\"[^\"\\\\]*\"");
  private static final String[] SWAPS = {": 12345", ": {}", ": []", ": null", ": true", ": {\"a\": [1, 2]}", ": 1e400"};
  private static final String[] BRACKETS = {"[", "]", "{", "}", ",", ":", "\""};

  private final Random random = new Random(SEED);

  private String mutate(String record) {
    int kind = random.nextInt(4);
    int at = record.isEmpty() ? 0 : random.nextInt(record.length());
    switch (kind) {
      case 0:
        return record.substring(0, at);
      case 1: {
        char flipped = (char) (32 + random.nextInt(95));  // printable ASCII: never a line break
        return record.substring(0, at) + flipped + record.substring(Math.min(record.length(), at + 1));
      }
      case 2:
        return record.substring(0, at) + BRACKETS[random.nextInt(BRACKETS.length)] + record.substring(at);
      default: {
        Matcher m = STRING_VALUE.matcher(record);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
          spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
          return record.substring(0, at);
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return record.substring(0, span[0]) + SWAPS[random.nextInt(SWAPS.length)] + record.substring(span[1]);
      }
    }
  }

  private static List<InternalRow> parse(Path file, FileShape shape) {
    DetectedFile detected = new DetectedFile("file:" + file, file.toFile().length(), shape, false, null);
    ParseTaskRunner runner = new ParseTaskRunner(new HadoopConfHolder(new Configuration()),
        List.of("user.id", "session.id"), ReadLimits.DEFAULT, true, TraceCost.Prices.NONE);
    List<InternalRow> rows = new ArrayList<>();
    runner.call(ParseTask.wholeFile(detected)).forEachRemaining(rows::add);
    return rows;
  }

  private static void assertRejectionsHaveReasons(List<InternalRow> rows) {
    for (InternalRow r : rows) {
      if (!r.isNullAt(1)) {
        InternalRow rejection = r.getStruct(1, 8);
        assertNotNull(rejection.getUTF8String(4), "a reason");
        assertNotNull(rejection.getUTF8String(5), "a detail");
      }
    }
  }

  @Test
  void everyMutatedJsonLineLoadsOrIsQuarantinedWithAReason() throws IOException {
    List<String> originals = new ArrayList<>();
    for (String fixture : List.of("mlflow3.jsonl", "mlflow2.jsonl", "search_traces_frame.jsonl",
        "bad_records.jsonl")) {
      Files.readAllLines(SharedSpark.fixture(fixture)).stream().filter(l -> !l.isBlank()).forEach(originals::add);
    }
    List<String> mutated = new ArrayList<>();
    for (String line : originals) {
      for (int i = 0; i < MUTATIONS_PER_LINE; i++) {
        String m = mutate(line);
        if (!m.isBlank()) {
          mutated.add(m);
        }
      }
    }
    Path file = SharedSpark.tempDir("fuzz-lines").resolve("mutated.jsonl");
    Files.write(file, mutated, StandardCharsets.UTF_8);

    List<InternalRow> rows = parse(file, FileShape.JSON_LINES);
    long traces = rows.stream().filter(r -> !r.isNullAt(0)).count();
    long rejections = rows.stream().filter(r -> !r.isNullAt(1)).count();
    long splitStats = rows.stream().filter(r -> !r.isNullAt(2)).count();
    assertEquals(1, splitStats, "one newline count for the one range");
    assertTrue(traces + rejections >= mutated.size(), "every line gave a trace or a rejection: " + traces + " + "
        + rejections + " for " + mutated.size() + " lines");
    assertTrue(rejections > mutated.size() / 10, "the mutations do break records (" + rejections + ")");
    assertTrue(traces > 0, "and some still load");
    assertRejectionsHaveReasons(rows);
    // Each rejection points at a line of the file.
    for (InternalRow r : rows) {
      if (!r.isNullAt(1)) {
        InternalRow rejection = r.getStruct(1, 8);
        assertTrue(!rejection.isNullAt(2) && rejection.getLong(2) >= 1 && rejection.getLong(2) <= mutated.size());
      }
    }
  }

  @Test
  void mutatedWholeFileDocumentsNeverThrow() throws IOException {
    for (String fixture : List.of("search_envelope.json", "rest_proto.json", "mlflow3_early_spans.json")) {
      String original = Files.readString(SharedSpark.fixture(fixture));
      Path dir = SharedSpark.tempDir("fuzz-docs");
      for (int i = 0; i < MUTATIONS_PER_DOCUMENT; i++) {
        Path file = dir.resolve(i + "-" + fixture);
        Files.writeString(file, mutate(original));
        List<InternalRow> rows = parse(file, FileShape.JSON_DOCUMENT);
        assertRejectionsHaveReasons(rows);
        for (InternalRow r : rows) {
          if (!r.isNullAt(1)) {
            assertNotNull(r.getStruct(1, 8).getUTF8String(1), "a position");
          }
        }
      }
    }
  }
}
