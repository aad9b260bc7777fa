package io.tracelake.schema;

import static io.tracelake.schema.TableSpec.column;
import static io.tracelake.schema.TableSpec.requiredColumn;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/** The tables in which the jobs record their runs, as declared. */
public final class RunSchemas {

  private RunSchemas() {}

  /** {@code ingest_runs}' column of the Delta input tables' versions read (see {@code IngestedFiles}). */
  public static final String INPUT_VERSIONS = "input_versions";

  /** The log analytics reads to find touched dates, and {@code watch} reads to find files already ingested. */
  public static final TableSpec INGEST_RUNS = new TableSpec("ingest_runs",
      "one row per ingest run: what it read and wrote", new StructType()
      .add(requiredColumn("run_id", StringType, "the run's id (a UUID)"))
      .add(requiredColumn("started_at", TimestampType, "when the run started"))
      .add(requiredColumn("finished_at", TimestampType, "when its last table write committed"))
      .add(column("inputs", new ArrayType(StringType, false), "the paths given, fully qualified (file:/data/inbox); "
          + "table:NAME for --input-table"))
      .add(column("files_read", LongType, "files parsed (unchanged files already ingested are skipped)"))
      .add(column("records_read", LongType, "records found in those files"))
      .add(column("traces_inserted", LongType, "traces new to the traces table"))
      .add(column("traces_updated", LongType, "traces replaced by a fresher version"))
      .add(column("traces_unchanged", LongType, "traces read again with the same content, or older"))
      .add(column("duplicates_in_input", LongType, "records of a trace that the run read more than once"))
      .add(column("quarantined", LongType, "records (or files) the run could not read"))
      .add(column("touched_dates", new ArrayType(DateType, false), "request dates of inserted or updated traces, "
          + "which the analytics job recomputes"))
      .add(column(INPUT_VERSIONS, new MapType(StringType, LongType, false), "for each Delta table read "
          + "incrementally (--input-otel's spans and annotations tables), the version the run read through; the "
          + "next run reads what was appended after it")),
      List.of());

  /**
   * Written as an analytics run's last write. {@code covered_pending}: only such a run moves the mark of what is owed
   * (see {@code AnalyticsLedger}).
   */
  public static final TableSpec ANALYTICS_RUNS = new TableSpec("analytics_runs",
      "one row per finished analytics run (written last, so only a run that wrote every analytics table is here)",
      new StructType()
      .add(requiredColumn("run_id", StringType, "the run's id (a UUID)"))
      .add(requiredColumn("started_at", TimestampType, "when the run started"))
      .add(requiredColumn("finished_at", TimestampType, "when its last analytics table committed"))
      .add(requiredColumn("traces_version", LongType, "the version of the traces table it read"))
      .add(requiredColumn("dates", StringType, "the dates it recomputed, as text"))
      .add(requiredColumn("covered_pending", BooleanType, "whether those included every date pending when it "
          + "started")),
      List.of());
}
