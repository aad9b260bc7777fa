package io.tracelake.warehouse;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTableBuilder;
import io.tracelake.UserInputException;
import io.tracelake.schema.TableSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * A warehouse folder holding Tracelake's Delta tables by path (no metastore needed), and the one handle a job writes
 * them through. Tables are created from their declarations ({@link TableSpec}: columns, comments, partitioning),
 * never shaped by what a job happened to compute: empty ({@link #declare}), or by a first write whose rows carry the
 * declared columns. The writes a job makes ({@link #replaceWhere}, {@link #upsert}, {@link #insertNew},
 * {@link #overwrite}) are each one Delta transaction, retried when they lose to a concurrent writer
 * ({@link ConcurrentWrites}).
 */
public final class Warehouse {

  private final SparkSession spark;
  private final Path root;
  /** Tables whose comments this handle has already checked against their declarations (or created with them). */
  private final Set<String> described = ConcurrentHashMap.newKeySet();
  /** Marks the tombstones {@link #withTombstones} adds to a MERGE's source. */
  private static final String GONE = "_gone";
  /** The Delta table property naming the columns statistics are kept on. */
  static final String STATS_COLUMNS = "delta.dataSkippingStatsColumns";

  /** Delta's idempotent-write settings, which WRITE and MERGE commands alike read from the session. */
  private static final String TXN_APP_ID = "spark.databricks.delta.write.txnAppId";
  private static final String TXN_VERSION = "spark.databricks.delta.write.txnVersion";
  private static final String TXN_AUTO_RESET = "spark.databricks.delta.write.txnVersion.autoReset.enabled";

  /**
   * Who writes through this handle and as of when: each write then records {@code (writer, stamp)} as a Delta
   * transaction id in its commit, and Delta skips a write whose stamp is not above the one the table recorded last.
   * Null: unstamped.
   */
  private final String writer;
  private final long stamp;

  private Warehouse(SparkSession spark, Path root) {
    this(spark, root, null, 0);
  }

  private Warehouse(SparkSession spark, Path root, String writer, long stamp) {
    this.spark = spark;
    this.root = root;
    this.writer = writer;
    this.stamp = stamp;
  }

  /**
   * This warehouse, with every write through the returned handle stamped {@code (writer, stamp)}: a write of a table
   * that a later stamp of the same writer has already written is skipped by Delta, and fails with
   * {@link ConcurrentWrites.SupersededException}. The analytics job stamps its writes with its start time, so that
   * of two overlapping runs the one that started later (and read the newer snapshot) wins every table.
   */
  public Warehouse stampedAs(String writer, long stamp) {
    return new Warehouse(spark, root, writer, stamp);
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

  /**
   * Whether the table's folder holds data files but no commit: what a first write killed before its commit leaves
   * (Parquet files {@code part-…}, their checksums, in partition folders {@code column=value}, which no version refers
   * to), or a first write in progress elsewhere this moment. A folder with anything else in it is not taken for one.
   */
  private boolean hasUncommittedFiles(String table) {
    Path dir = new Path(path(table));
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir) || fs.exists(new Path(dir, "_delta_log"))) {
        return false;
      }
      String root = fs.makeQualified(dir).toUri().getPath();
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(dir, true);
      boolean any = false;
      while (files.hasNext()) {
        String file = fs.makeQualified(files.next().getPath()).toUri().getPath();
        if (!file.startsWith(root + "/")) {
          return false;
        }
        String[] parts = file.substring(root.length() + 1).split("/");
        String name = parts[parts.length - 1];
        boolean dataFile = name.startsWith("part-") && name.endsWith(".parquet")
            || name.startsWith(".part-") && name.endsWith(".crc");
        for (int i = 0; dataFile && i < parts.length - 1; i++) {
          dataFile = parts[i].contains("=");
        }
        if (!dataFile) {
          return false;
        }
        any = true;
      }
      return any;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Creates the table by committing its first version, metadata only, in a Delta transaction. Delta's CREATE TABLE
   * refuses a folder that holds files, so a first write killed before its commit would leave the table uncreatable
   * for good; a commit ignores those files (no version refers to them; VACUUM removes them). A writer creating the
   * table at the same moment makes one of the two commits fail, and the loser finds the table there. Empty where this
   * runtime's Delta lacks the (non-public) transaction API used here (then CREATE TABLE is tried, as before).
   */
  private Optional<DeltaTable> createByFirstCommit(String table, StructType schema, String comment,
      Map<String, String> properties, List<String> partitionColumns) {
    try {
      commitFirstVersion(table, schema, comment, properties, partitionColumns);
      return Optional.of(DeltaTable.forPath(spark, path(table)));
    } catch (LinkageError e) {
      return Optional.empty();
    }
  }

  private void commitFirstVersion(String table, StructType schema, String comment, Map<String, String> properties,
      List<String> partitionColumns) {
    org.apache.spark.sql.delta.OptimisticTransaction txn = DeltaLog.forTable(spark, path(table)).startTransaction();
    if (txn.readVersion() < 0) {
      org.apache.spark.sql.delta.actions.Metadata metadata = new org.apache.spark.sql.delta.actions.Metadata(
          UUID.randomUUID().toString(), null, comment,
          new org.apache.spark.sql.delta.actions.Format("parquet", scala.collection.immutable.Map$.MODULE$.empty()),
          schema.json(), scala.jdk.javaapi.CollectionConverters.asScala(partitionColumns).toSeq(),
          scala.collection.immutable.Map$.MODULE$.from(scala.jdk.javaapi.CollectionConverters.asScala(properties)),
          Option.apply(System.currentTimeMillis()));
      txn.updateMetadataForNewTable(metadata);
      txn.commit(scala.jdk.javaapi.CollectionConverters.asScala(
              List.<org.apache.spark.sql.delta.actions.Action>of()).toSeq(),
          new org.apache.spark.sql.delta.DeltaOperations.Write(org.apache.spark.sql.SaveMode.Append,
              Option.apply(scala.jdk.javaapi.CollectionConverters.asScala(partitionColumns).toSeq()), Option.empty(),
              Option.empty(), Option.empty(), Option.empty(), Option.empty(), Option.empty(), Option.empty()));
      org.slf4j.LoggerFactory.getLogger("io.tracelake").info("[warehouse] {} created by a first commit; the files "
          + "a killed first write left in its folder belong to no version", table);
    }
  }

  /** The Delta tables in this warehouse folder (its sub-folders with a Delta log), by name, sorted. */
  public List<String> tables() {
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      List<String> names = new ArrayList<>();
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

  /** The table's latest Delta version. */
  public long version(String table) {
    return DeltaCommits.latestVersion(spark, path(table));
  }

  /**
   * The bytes of the table's data files in its latest version, from the checksum Delta keeps beside each commit
   * (state reconstruction only where there is none); {@link Long#MAX_VALUE} where this runtime's Delta lacks the
   * (non-public) snapshot read here.
   */
  public long sizeInBytes(String table) {
    return fromLatestSnapshot(table, snapshot -> snapshot.checksumOpt().isDefined()
        ? snapshot.checksumOpt().get().tableSizeBytes() : snapshot.sizeInBytes()).orElse(Long.MAX_VALUE);
  }

  /**
   * The rows of the table's latest version: from the checksum Delta keeps beside each commit, which lists a small
   * table's files with their statistics (no Spark job); by a count where it does not, or where a file's statistics
   * lack its row count.
   */
  public long rowCount(String table) {
    return fromLatestSnapshot(table, Warehouse::checksumRowCount).flatMap(rows -> rows)
        .orElseGet(() -> read(table).count());
  }

  /** The rows the snapshot's checksum lists, when it lists every file with its row count. */
  private static Optional<Long> checksumRowCount(org.apache.spark.sql.delta.Snapshot snapshot) {
    if (snapshot.checksumOpt().isEmpty() || snapshot.checksumOpt().get().allFiles().isEmpty()) {
      return Optional.empty();
    }
    long rows = 0;
    for (org.apache.spark.sql.delta.actions.AddFile f : scala.jdk.javaapi.CollectionConverters.asJava(
        snapshot.checksumOpt().get().allFiles().get())) {
      Option<Object> records = f.numLogicalRecords();
      if (records.isEmpty()) {
        return Optional.empty();
      }
      rows += (Long) records.get();
    }
    return Optional.of(rows);
  }

  /**
   * {@code read} applied to the table's latest snapshot (Delta's own, not public API: no command, no Spark job);
   * empty where this runtime's Delta lacks what it calls (Databricks ships its own Delta), so that the caller takes
   * the public, slower way.
   */
  private <T> Optional<T> fromLatestSnapshot(String table, Function<org.apache.spark.sql.delta.Snapshot, T> read) {
    try {
      return Optional.of(read.apply(DeltaLog.forTable(spark, path(table))
          .update(false, Option.empty(), Option.empty())));
    } catch (LinkageError e) {
      return Optional.empty();
    }
  }

  /** The table as of one Delta version (time travel), so that a job reads one snapshot throughout. */
  public Dataset<Row> readAt(String table, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(path(table));
  }

  /**
   * The table at its path, created empty from {@code schema} first if it does not exist. An existing table written
   * before a column was added to {@code schema} gets the column (null in its rows) in one {@code ALTER TABLE ... ADD
   * COLUMNS}, at the end, where the schema declares columns added later.
   */
  public DeltaTable createIfNotExists(String table, StructType schema, String... partitionColumns) {
    return createIfNotExists(table, schema, List.of(), partitionColumns);
  }

  /**
   * The declared table, created from {@code spec} if it does not exist (its comments, partitioning and statistics
   * columns, as {@link #createIfNotExists(String, StructType, List, String...)} does for a bare schema); an existing
   * one gets the columns and statistics declared since it was written.
   */
  public DeltaTable createIfNotExists(TableSpec spec) {
    return createIfNotExists(spec.name(), spec.comment(), spec.schema(), spec.statsColumns(),
        spec.partitionColumns().toArray(new String[0]));
  }

  /**
   * {@link #createIfNotExists(String, StructType, String...)}, with Delta's statistics kept on {@code statsColumns}
   * only (empty: Delta's default, the first 32 columns). A table created without it gets it once, for the files
   * written from then on.
   */
  public DeltaTable createIfNotExists(String table, StructType schema, List<String> statsColumns,
      String... partitionColumns) {
    return createIfNotExists(table, null, schema, statsColumns, partitionColumns);
  }

  private DeltaTable createIfNotExists(String table, String comment, StructType schema, List<String> statsColumns,
      String... partitionColumns) {
    String stats = String.join(",", statsColumns);
    if (!exists(table)) {
      ConcurrentWrites.retryingCreation(table, () -> {
        Optional<DeltaTable> committed = hasUncommittedFiles(table) ? createByFirstCommit(table, schema, comment,
            stats.isEmpty() ? Map.of() : Map.of(STATS_COLUMNS, stats), List.of(partitionColumns)) : Optional.empty();
        if (committed.isPresent()) {
          return committed.get();
        }
        DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path(table));
        if (comment != null) {
          builder = builder.comment(comment);
        }
        for (StructField f : schema.fields()) {
          builder = builder.addColumn(f);
        }
        if (partitionColumns.length > 0) {
          builder = builder.partitionedBy(partitionColumns);
        }
        if (!stats.isEmpty()) {
          builder = builder.property(STATS_COLUMNS, stats);
        }
        return builder.execute();
      });
    }
    TableMetadata metadata = metadataOf(table);
    if (!stats.isEmpty() && !stats.equals(metadata.properties().getOrDefault(STATS_COLUMNS, ""))) {
      ConcurrentWrites.retrying(table, () -> spark.sql("ALTER TABLE delta.`" + path(table).replace("`", "``")
          + "` SET TBLPROPERTIES ('" + STATS_COLUMNS + "' = '" + stats + "')"));
    }
    List<String> has = metadata.columns();
    List<String> missing = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (!has.contains(f.name())) {
        missing.add("`" + f.name() + "` " + f.dataType().sql());
      }
    }
    if (missing.isEmpty()) {
      return DeltaTable.forPath(spark, path(table));
    }
    org.slf4j.LoggerFactory.getLogger(Warehouse.class).info("[warehouse] adding column(s) {} to {}", missing, table);
    try {
      ConcurrentWrites.retrying(table, () -> spark.sql("ALTER TABLE delta.`" + path(table).replace("`", "``")
          + "` ADD COLUMNS (" + String.join(", ", missing) + ")"));
    } catch (RuntimeException e) {
      // A second writer may have added them first; anything else is an error.
      List<String> now = Arrays.asList(DeltaTable.forPath(spark, path(table)).toDF().schema().fieldNames());
      if (!now.containsAll(Arrays.asList(schema.fieldNames()))) {
        throw e;
      }
    }
    return DeltaTable.forPath(spark, path(table));
  }

  /** An existing table's columns and properties. */
  private record TableMetadata(List<String> columns, Map<String, String> properties) {}

  /**
   * The table's columns and properties from its latest snapshot's metadata (no command, no Spark job); through
   * Delta's public {@code detail()} where this runtime's Delta lacks the (non-public) snapshot read here.
   */
  private TableMetadata metadataOf(String table) {
    return fromLatestSnapshot(table, snapshot -> new TableMetadata(
        Arrays.asList(snapshot.metadata().schema().fieldNames()),
        scala.jdk.javaapi.CollectionConverters.asJava(snapshot.metadata().configuration())))
        .orElseGet(() -> {
          DeltaTable t = DeltaTable.forPath(spark, path(table));
          Row detail = t.detail().first();
          return new TableMetadata(Arrays.asList(t.toDF().schema().fieldNames()),
              detail.<String, String>getJavaMap(detail.fieldIndex("properties")));
        });
  }

  /**
   * The table at its path, created empty from its declaration if it does not exist (table comment, columns with
   * their comments, partitioning). An existing table whose comments differ from the declaration (one written before
   * tables were declared, or a comment that changed since) gets the declared ones, one {@code ALTER TABLE} per
   * difference; its rows are left alone. Columns the table does not have yet are left to the write that adds them.
   * For a write that carries rows, {@link #replaceWhere}, {@link #upsert}, {@link #insertNew} and {@link #overwrite}
   * create a new table with its first rows instead, in one commit.
   */
  public DeltaTable declare(TableSpec spec) {
    if (exists(spec.name())) {
      DeltaTable table = DeltaTable.forPath(spark, path(spec.name()));
      describeOnce(spec, table);
      return table;
    }
    DeltaTable created = ConcurrentWrites.retryingCreation(spec.name(), () -> {
      Optional<DeltaTable> committed = hasUncommittedFiles(spec.name()) ? createByFirstCommit(spec.name(),
          spec.schema(), spec.comment(), Map.of(), spec.partitionColumns()) : Optional.empty();
      if (committed.isPresent()) {
        return committed.get();
      }
      DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path(spec.name()))
          .comment(spec.comment());
      for (StructField f : spec.schema().fields()) {
        builder = builder.addColumn(f);
      }
      if (!spec.partitionColumns().isEmpty()) {
        builder = builder.partitionedBy(spec.partitionColumns().toArray(new String[0]));
      }
      return builder.execute();
    });
    described.add(spec.name());
    return created;
  }

  /**
   * Replaces the rows of {@code spec}'s table that {@code replaceWhere} selects (a SQL predicate on its partition
   * columns) by {@code computed}, in one commit (Delta's {@code replaceWhere}); creates the table with them when it
   * does not exist yet. {@code computed} has the declared columns ({@link #asDeclared}).
   *
   * @return the rows written, as the commit's metrics count them
   */
  public long replaceWhere(TableSpec spec, Dataset<Row> computed, String replaceWhere) {
    Dataset<Row> rows = asDeclared(spec, computed);
    return stamped(spec.name(), () -> createdWith(spec, rows).orElseGet(() -> {
      describeOnce(spec, DeltaTable.forPath(spark, path(spec.name())));
      ConcurrentWrites.retrying(spec.name(), () -> writer(spec, rows).mode("overwrite")
          .option("replaceWhere", replaceWhere)
          .option("mergeSchema", "true")
          .save(path(spec.name())));
      return rowsWrittenByLastCommit(spec.name());
    }));
  }

  /**
   * Upserts {@code computed} into {@code spec}'s table by {@code keys} (null-safe) in one MERGE: a matching row is
   * replaced, any other inserted; {@code targetFilter} (over the table's alias {@code t}, e.g. the dates to touch)
   * limits the rows the MERGE reads and rewrites. Creates the table with the rows when it does not exist yet.
   *
   * @return the rows inserted or updated
   */
  public long upsert(TableSpec spec, Dataset<Row> computed, List<String> keys, Column targetFilter) {
    return merge(spec, computed, keys, targetFilter, true, null);
  }

  /**
   * Makes the rows of the keys in {@code keysInScope} exactly {@code computed}'s, in one MERGE: a key in scope that
   * {@code computed} has is upserted, a key in scope that it lacks is deleted (a user, session or trace whose last
   * row moved elsewhere), every other row is left alone. {@code keysInScope} has the {@code keys} columns (any
   * others are ignored; duplicates are fine); {@code computed}'s keys should be in it. {@code targetFilter} limits
   * the rows the MERGE reads, as for {@link #upsert}.
   *
   * @return the rows inserted, updated or deleted
   */
  public long replaceKeys(TableSpec spec, Dataset<Row> computed, List<String> keys, Column targetFilter,
      Dataset<Row> keysInScope) {
    return merge(spec, computed, keys, targetFilter, true, keysInScope);
  }

  /**
   * Inserts the rows of {@code computed} whose {@code keys} the table does not hold yet, in one MERGE that leaves
   * existing rows alone (a re-run after a commit whose outcome was unknown inserts nothing twice). Creates the table
   * with the rows when it does not exist yet.
   *
   * @return the rows inserted
   */
  public long insertNew(TableSpec spec, Dataset<Row> computed, List<String> keys) {
    return merge(spec, computed, keys, functions.lit(true), false, null);
  }

  /**
   * Replaces the whole of {@code spec}'s table by {@code computed} in one commit, schema included (for a table
   * recomputed in full); creates it when it does not exist yet.
   *
   * @return the rows written
   */
  public long overwrite(TableSpec spec, Dataset<Row> computed) {
    Dataset<Row> rows = asDeclared(spec, computed);
    return stamped(spec.name(), () -> createdWith(spec, rows).orElseGet(() -> {
      describeOnce(spec, DeltaTable.forPath(spark, path(spec.name())));
      ConcurrentWrites.retrying(spec.name(), () -> writer(spec, rows).mode("overwrite")
          .option("overwriteSchema", "true")
          .save(path(spec.name())));
      return rowsWrittenByLastCommit(spec.name());
    }));
  }

  private long merge(TableSpec spec, Dataset<Row> computed, List<String> keys, Column targetFilter,
      boolean updateMatched, Dataset<Row> keysInScope) {
    Dataset<Row> rows = asDeclared(spec, computed);
    return stamped(spec.name(), () -> createdWith(spec, rows).orElseGet(() -> {
      DeltaTable table = DeltaTable.forPath(spark, path(spec.name()));
      describeOnce(spec, table);
      Column onKeys = targetFilter;
      for (String k : keys) {
        onKeys = onKeys.and(functions.col("t." + k).eqNullSafe(functions.col("s." + k)));
      }
      Column condition = onKeys;
      Dataset<Row> source = keysInScope == null ? rows : withTombstones(spec, rows, keys, keysInScope);
      Map<String, Column> assignments = new java.util.LinkedHashMap<>();
      for (StructField f : spec.schema().fields()) {
        assignments.put(f.name(), functions.col("s." + f.name()));
      }
      Row counts = ConcurrentWrites.retrying(spec.name(), () -> {
        DeltaMergeBuilder merge = table.as("t").merge(source.as("s"), condition);
        if (!Arrays.asList(table.toDF().columns()).containsAll(Arrays.asList(rows.columns()))) {
          merge = merge.withSchemaEvolution();  // a column declared since the table was written
        }
        if (keysInScope != null) {
          merge = merge.whenMatched(functions.col("s." + GONE)).delete();
        }
        if (updateMatched) {
          merge = merge.whenMatched().update(assignments);
        }
        merge = keysInScope == null ? merge.whenNotMatched().insert(assignments)
            : merge.whenNotMatched(functions.not(functions.col("s." + GONE))).insert(assignments);
        return merge.execute().first();  // Delta's counts of what the MERGE did
      });
      return counts.<Long>getAs("num_inserted_rows") + counts.<Long>getAs("num_updated_rows")
          + counts.<Long>getAs("num_deleted_rows");
    }));
  }

  /**
   * {@code rows} plus one tombstone per key of {@code keysInScope} that {@code rows} lack: the keys, nulls in every
   * other column, and {@link #GONE} set.
   */
  private static Dataset<Row> withTombstones(TableSpec spec, Dataset<Row> rows, List<String> keys,
      Dataset<Row> keysInScope) {
    Column sameKeys = functions.lit(true);
    Column[] scopeKeys = new Column[keys.size()];
    Column[] rowKeys = new Column[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      scopeKeys[i] = functions.col(keys.get(i)).as("_k" + i);
      rowKeys[i] = functions.col(keys.get(i)).as("_r" + i);
      sameKeys = sameKeys.and(functions.col("_k" + i).eqNullSafe(functions.col("_r" + i)));
    }
    Dataset<Row> gone = keysInScope.select(scopeKeys).distinct()
        .join(rows.select(rowKeys), sameKeys, "left_anti");
    List<Column> tombstone = new ArrayList<>();
    for (StructField f : spec.schema().fields()) {
      int key = keys.indexOf(f.name());
      tombstone.add((key >= 0 ? functions.col("_k" + key).cast(f.dataType())
          : functions.lit(null).cast(f.dataType())).as(f.name()));
    }
    tombstone.add(functions.lit(true).as(GONE));
    return rows.withColumn(GONE, functions.lit(false)).union(gone.select(tombstone.toArray(new Column[0])));
  }

  /**
   * Runs a write with this handle's stamp in the session (kept through retries), then checks that one of the commits
   * made since carries the stamp: none means Delta skipped this write, because the table already records a stamp at
   * least as new (another run's).
   */
  private <T> T stamped(String table, java.util.function.Supplier<T> write) {
    if (writer == null) {
      return write.get();
    }
    long before = exists(table) ? version(table) : -1;
    org.apache.spark.sql.RuntimeConfig conf = spark.conf();
    conf.set(TXN_APP_ID, writer);
    conf.set(TXN_VERSION, stamp);
    conf.set(TXN_AUTO_RESET, false);
    T result;
    try {
      result = write.get();
    } finally {
      conf.unset(TXN_APP_ID);
      conf.unset(TXN_VERSION);
      conf.unset(TXN_AUTO_RESET);
    }
    if (!committedWithStamp(table, before)) {
      throw new ConcurrentWrites.SupersededException(table);
    }
    return result;
  }

  /**
   * Whether a commit after {@code before} carries this handle's stamp (or one whose transaction ids this runtime's
   * Delta cannot tell: Delta has then still skipped an older write, only this run does not learn of it).
   */
  private boolean committedWithStamp(String table, long before) {
    return DeltaCommits.after(spark, path(table), before).stream()
        .anyMatch(c -> c.transactionIds() == null || Long.valueOf(stamp).equals(c.transactionIds().get(writer)));
  }


  /**
   * A new table created by its first write, which carries the rows (one commit, no empty table first); then the
   * declared table comment. Empty when the table exists, or another process created it meanwhile: the caller then
   * writes into the existing table. A folder holding a killed first write's files but no commit is written over.
   * A table with required columns is created empty from its declaration instead: Delta makes the columns of a
   * table created by a write nullable.
   */
  private java.util.Optional<Long> createdWith(TableSpec spec, Dataset<Row> rows) {
    if (described.contains(spec.name()) || exists(spec.name())) {
      return java.util.Optional.empty();
    }
    if (java.util.Arrays.stream(spec.schema().fields()).anyMatch(f -> !f.nullable())) {
      declare(spec);
      return java.util.Optional.empty();
    }
    java.util.Optional<Long> written = ConcurrentWrites.unlessCreatedElsewhere(spec.name(), () -> {
      writer(spec, rows).mode("errorifexists").save(path(spec.name()));
      return rowsWrittenByLastCommit(spec.name());
    });
    if (written.isPresent()) {
      // The column comments came with the rows (asDeclared); a run killed before this line leaves the table
      // without its comment, which the next write's describeOnce adds.
      commentOnTable(spec);
      described.add(spec.name());
    }
    return written;
  }

  private DataFrameWriter<Row> writer(TableSpec spec, Dataset<Row> rows) {
    DataFrameWriter<Row> writer = rows.write().format("delta");
    return spec.partitionColumns().isEmpty() ? writer
        : writer.partitionBy(spec.partitionColumns().toArray(new String[0]));
  }

  /**
   * The rows the table's latest commit wrote, from its operation metrics: this handle's own write, which always
   * commits, unless another writer committed since (then theirs, which only a summary line reads).
   */
  private long rowsWrittenByLastCommit(String table) {
    List<DeltaCommits.Commit> last = DeltaCommits.after(spark, path(table), version(table) - 1);
    String rows = last.isEmpty() ? null : last.get(last.size() - 1).operationMetrics().get("numOutputRows");
    return rows == null ? 0 : Long.parseLong(rows);
  }



  /** {@link #describeAsDeclared}, once per table and handle: a job's later writes find the comments in place. */
  private void describeOnce(TableSpec spec, DeltaTable table) {
    if (described.add(spec.name())) {
      describeAsDeclared(spec, table);
    }
  }

  private void commentOnTable(TableSpec spec) {
    ConcurrentWrites.retrying(spec.name(), () -> {
      spark.sql("COMMENT ON TABLE " + sqlTarget(spec.name()) + " IS " + sqlString(spec.comment()));
    });
  }

  private String sqlTarget(String table) {
    return "delta.`" + path(table).replace("`", "``") + "`";
  }

  /** The declared comments on an existing table, where they differ (a metadata-only commit; rows untouched). */
  private void describeAsDeclared(TableSpec spec, DeltaTable table) {
    String target = sqlTarget(spec.name());
    StructType current = table.toDF().schema();  // loads the latest snapshot, whose metadata is read next
    String description = DeltaLog.forTable(spark, path(spec.name())).unsafeVolatileSnapshot().metadata()
        .description();
    if (!spec.comment().equals(description)) {
      commentOnTable(spec);
    }
    List<String> columns = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    boolean anyRequired = false;
    for (StructField f : current.fields()) {
      Option<String> had = f.getComment();
      String comment = spec.schema().getFieldIndex(f.name()).isDefined() ? spec.columnComment(f.name())
          : had.isDefined() ? had.get() : "";
      String name = "`" + f.name().replace("`", "``") + "`";
      columns.add(name + " " + f.dataType().sql() + " COMMENT " + sqlString(comment));
      if (!had.isDefined() || !had.get().equals(comment)) {
        changes.add("ALTER TABLE " + target + " ALTER COLUMN " + name + " COMMENT " + sqlString(comment));
      }
      anyRequired |= !f.nullable();
    }
    // One commit for the whole table where Spark's REPLACE COLUMNS can say it (it cannot say NOT NULL); else one per
    // column (the run tables: a few columns).
    List<String> statements = changes.isEmpty() ? List.of() : anyRequired ? changes
        : List.of("ALTER TABLE " + target + " REPLACE COLUMNS (" + String.join(", ", columns) + ")");
    for (String statement : statements) {
      ConcurrentWrites.retrying(spec.name(), () -> {
        spark.sql(statement);
      });
    }
  }

  /**
   * {@code rows} with the declared comments on their columns, so that a write replacing the table's schema keeps
   * them. Their columns must be the declared ones, in order, of the declared types (nullability aside): anything else
   * is a bug in the job that computed them, and fails here, before any write.
   */
  public static Dataset<Row> asDeclared(TableSpec spec, Dataset<Row> rows) {
    StructField[] declared = spec.schema().fields();
    StructField[] computed = rows.schema().fields();
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.max(declared.length, computed.length); i++) {
      String want = i < declared.length ? declared[i].name() + " " + declared[i].dataType().catalogString() : "-";
      String got = i < computed.length ? computed[i].name() + " " + computed[i].dataType().catalogString() : "-";
      if (!want.equals(got)) {
        differences.add("column " + (i + 1) + ": declared " + want + ", computed " + got);
      }
    }
    if (!differences.isEmpty()) {
      throw new IllegalStateException("The rows computed for " + spec.name() + " are not its declared columns: "
          + String.join("; ", differences));
    }
    Column[] columns = new Column[declared.length];
    for (int i = 0; i < declared.length; i++) {
      columns[i] = functions.col(declared[i].name()).as(declared[i].name(), declared[i].metadata());
    }
    return rows.select(columns);
  }

  private static String sqlString(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  public SparkSession spark() {
    return spark;
  }
}
