package io.tracelake.ingest.otlp;

import io.delta.tables.DeltaTable;
import io.tracelake.UserInputException;
import io.tracelake.ingest.mlflow.JsonValues;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The rows an append-only Delta table (MLflow's OpenTelemetry tables) gained after a version, by Delta's own
 * streaming source: started at the next version ({@code startingVersion}), run once over what is there
 * ({@code Trigger.AvailableNow}), its rows written as Parquet into a scratch folder that the caller reads and then
 * deletes. Delta's source reads only the files those commits added, so the cost follows the new rows, not the table;
 * commits that only reorganise files (OPTIMIZE) add no rows, and commits that delete or rewrite rows (retention) are
 * skipped ({@code skipChangeCommits}): the spans they removed stay in the warehouse.
 *
 * <p>The source may read a little past the version the caller records (commits that landed while it ran); the next
 * read then gets those rows again, which changes nothing (the spans are upserted by id, and an unchanged trace is
 * counted unchanged).
 */
final class DeltaAppends {

  private DeltaAppends() {}

  /** The table's latest version (one read of its log). */
  static long latestVersion(SparkSession spark, String nameOrPath) {
    DeltaTable table = OtelTables.isPath(nameOrPath) ? DeltaTable.forPath(spark, nameOrPath)
        : DeltaTable.forName(spark, nameOrPath);
    return table.history(1).select("version").first().getLong(0);
  }

  /**
   * Every row of the table as of {@code version} (a first read: the version is what the caller records as read).
   */
  static Dataset<Row> asOf(SparkSession spark, String nameOrPath, long version) {
    return OtelTables.isPath(nameOrPath)
        ? spark.read().format("delta").option("versionAsOf", version).load(nameOrPath)
        : spark.read().format("delta").option("versionAsOf", version).table(nameOrPath);
  }

  /**
   * The rows added by the commits after {@code afterVersion}, copied into {@code scratch} (a folder the caller
   * deletes after its last read of the returned rows).
   *
   * @throws UserInputException when the table no longer holds that version's successor in its log (cleaned up by
   *     log retention since the last run): {@code --reread} reads the table whole again
   */
  static Dataset<Row> after(SparkSession spark, String nameOrPath, long afterVersion, String scratch) {
    DataStreamReader reader = spark.readStream().format("delta")
        .option("startingVersion", afterVersion + 1)
        .option("skipChangeCommits", "true");
    Dataset<Row> stream = OtelTables.isPath(nameOrPath) ? reader.load(nameOrPath) : reader.table(nameOrPath);
    try {
      StreamingQuery query = stream.writeStream().format("parquet")
          .option("path", scratch + "/rows")
          .option("checkpointLocation", scratch + "/checkpoint")
          .trigger(Trigger.AvailableNow())
          .start();
      query.awaitTermination();
    } catch (StreamingQueryException | TimeoutException e) {
      throw new UserInputException("Cannot read what " + nameOrPath + " gained after version " + afterVersion
          + " (the version the last ingest read): " + JsonValues.firstLine(e.getMessage())
          + "; run with --reread to read the table whole again");
    }
    // The file sink's own log names the files it committed; the schema is the stream's even with no file at all.
    return spark.read().schema(stream.schema()).parquet(scratch + "/rows");
  }
}
