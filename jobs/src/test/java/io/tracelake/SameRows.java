package io.tracelake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Tables compared as multisets of rows, for tests that load one set of traces in two forms. */
public final class SameRows {

  private SameRows() {}

  /** A table of a warehouse folder. */
  public static Dataset<Row> table(Path warehouse, String name) {
    return SharedSpark.session().read().format("delta").load(warehouse.resolve(name).toString());
  }

  /** The same rows, as many times each; the message shows up to three rows missing and three extra. */
  public static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    List<Row> missing = expected.exceptAll(actual).limit(3).collectAsList();
    List<Row> extra = actual.exceptAll(expected).limit(3).collectAsList();
    assertTrue(missing.isEmpty() && extra.isEmpty(),
        "expected but not loaded: " + missing + "\nloaded but not expected: " + extra);
    assertEquals(expected.count(), actual.count());
  }
}
