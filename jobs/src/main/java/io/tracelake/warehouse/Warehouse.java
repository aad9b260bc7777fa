package io.tracelake.warehouse;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import io.tracelake.UserInputException;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A warehouse folder holding Tracelake's Delta tables by path (no metastore needed). Tables are created explicitly
 * from their schema constants, never inferred from a first write.
 */
public final class Warehouse {

  private final SparkSession spark;
  private final Path root;

  private Warehouse(SparkSession spark, Path root) {
    this.spark = spark;
    this.root = root;
  }

  /** Opens a warehouse for writing: creates the folder if needed and checks that it can be written. */
  public static Warehouse openForWrite(SparkSession spark, String dir) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      root = fs.makeQualified(root);
      if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
        throw new UserInputException("Warehouse " + dir + " is a file; give a folder (it is created if missing)");
      }
      fs.mkdirs(root);
      Path probe = new Path(root, "._tracelake_write_probe_" + UUID.randomUUID());
      fs.create(probe, false).close();
      fs.delete(probe, false);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserInputException("Warehouse " + dir + " is not writable: " + e.getMessage());
    }
    return new Warehouse(spark, root);
  }

  /** Opens an existing warehouse for reading; fails with a clear line when it has no traces table yet. */
  public static Warehouse openForRead(SparkSession spark, String dir) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(root)) {
        throw new UserInputException("Warehouse " + dir + " does not exist; run 'tracelake ingest --warehouse "
            + dir + " --input ...' first");
      }
      root = fs.makeQualified(root);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserInputException("Cannot read warehouse " + dir + ": " + e.getMessage());
    }
    Warehouse w = new Warehouse(spark, root);
    if (!w.exists(TableNames.TRACES)) {
      throw new UserInputException("Warehouse " + dir + " has no traces table; run 'tracelake ingest --warehouse "
          + dir + " --input ...' first");
    }
    return w;
  }

  public String path(String table) {
    return new Path(root, table).toString();
  }

  public String root() {
    return root.toString();
  }

  public boolean exists(String table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  /** The Delta tables in this warehouse folder (its sub-folders with a Delta log), by name, sorted. */
  public java.util.List<String> tables() {
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      java.util.List<String> names = new java.util.ArrayList<>();
      for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(root)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_delta_log"))) {
          names.add(s.getPath().getName());
        }
      }
      names.sort(null);
      return names;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot list the tables of warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  public Dataset<Row> read(String table) {
    return spark.read().format("delta").load(path(table));
  }

  /** The table as of one Delta version (time travel), so that a job reads one snapshot throughout. */
  public Dataset<Row> readAt(String table, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(path(table));
  }

  /** The table at its path, created empty from {@code schema} first if it does not exist. */
  public DeltaTable createIfNotExists(String table, StructType schema, String... partitionColumns) {
    return ConcurrentWrites.retryingCreation(table, () -> {
      DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path(table));
      for (StructField f : schema.fields()) {
        builder = builder.addColumn(f);
      }
      if (partitionColumns.length > 0) {
        builder = builder.partitionedBy(partitionColumns);
      }
      return builder.execute();
    });
  }

  public SparkSession spark() {
    return spark;
  }
}
