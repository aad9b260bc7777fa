package io.tracelake.ingest.files;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.tracelake.UserInputException;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.mlflow.JsonValues;
import io.tracelake.ingest.mlflow.ReadLimits;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.schema.TraceSchemas;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Reads MLflow trace exports into one frame of {@link TraceSchemas#PARSED_RECORD} rows (a parsed trace, a rejection,
 * or a byte-range's newline count). Input: files and folders (read recursively; names starting with {@code .} or
 * {@code _} are skipped, as Spark and Hadoop do). Each file's shape is detected on the driver from its first bytes;
 * parsing runs in Spark tasks, one per file or per {@code ingest.split_size_mb} byte range of a plain JSON-lines file.
 */
public final class ExportReader {

  private ExportReader() {}

  /**
   * Lists the input files and detects the shape of each one {@code take} accepts; fails on an input path that does
   * not exist. The spans file of an mlflow-export-import trace folder is read with its {@code trace.json}, not
   * listed on its own.
   */
  public static List<DetectedFile> listAndDetect(SparkSession spark, List<String> inputs, FileShape override,
      Predicate<FileStatus> take) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<DetectedFile> files = new ArrayList<>();
    for (String input : inputs) {
      for (FileStatus status : list(conf, input)) {
        try {
          FileSystem fs = status.getPath().getFileSystem(conf);
          if (ExportImportTrace.isSpansOfAFolderTrace(fs, status) || !take.test(status)) {
            continue;
          }
          DetectedFile detected = ShapeDetector.detect(fs, status);
          if (override != null && detected.shape() != FileShape.EMPTY
              && detected.shape() != FileShape.UNREADABLE) {
            detected = new DetectedFile(detected.path(), detected.length(), override, detected.gzip(), null);
          }
          files.add(detected);
        } catch (IOException e) {
          files.add(new DetectedFile(status.getPath().toString(), status.getLen(), FileShape.UNREADABLE, false,
              "cannot read: " + e.getMessage()));
        }
      }
    }
    return files;
  }

  /**
   * The files of one input path: the file itself, or the files below a folder (recursively, sorted by path, hidden
   * names skipped). Fails with a {@link UserInputException} when the path does not exist or cannot be read.
   */
  public static List<FileStatus> list(Configuration conf, String input) {
    Path path = new Path(input);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(path);
      List<FileStatus> out = new ArrayList<>();
      if (status.isFile()) {
        out.add(status);
        return out;
      }
      collect(fs, status.getPath(), new HashSet<>(), out);
      out.sort(Comparator.comparing(f -> f.getPath().toString()));
      return out;
    } catch (FileNotFoundException e) {
      throw new UserInputException("Input path does not exist: " + input
          + " (give a file or folder of MLflow trace exports)");
    } catch (IOException | IllegalArgumentException e) {
      throw new UserInputException("Cannot read input path " + input + ": " + e.getMessage());
    }
  }

  /**
   * The files below a folder, depth first, skipping names that start with '.' or '_'. Every folder and file is
   * taken once by its real location: on a local file system symbolic links are resolved, so a link back to a parent
   * folder (a loop) or two links to one file do not read anything twice.
   */
  private static void collect(FileSystem fs, Path dir, Set<String> seen, List<FileStatus> out) throws IOException {
    if (!seen.add(realLocation(dir))) {
      return;
    }
    for (FileStatus child : fs.listStatus(dir)) {
      String name = child.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      if (child.isDirectory()) {
        collect(fs, child.getPath(), seen, out);
      } else if (child.isFile() && seen.add(realLocation(child.getPath()))) {
        out.add(child);
      }
    }
  }

  /** A local path with its symbolic links resolved; any other path as it is. */
  private static String realLocation(Path path) {
    if (!"file".equals(path.toUri().getScheme())) {
      return path.toString();
    }
    try {
      return java.nio.file.Paths.get(path.toUri()).toRealPath().toString();
    } catch (IOException | RuntimeException e) {
      return path.toString();
    }
  }

  /**
   * Splits each plain JSON-lines file larger than {@code splitBytes} into byte ranges; other files stay whole. OTLP
   * files are not planned here: their spans are grouped into traces across files ({@code ingest.otlp}).
   */
  public static List<ParseTask> plan(List<DetectedFile> files, long splitBytes) {
    List<ParseTask> tasks = new ArrayList<>();
    for (DetectedFile f : files) {
      switch (f.shape()) {
        case EMPTY, PARQUET, TABLE, OTLP_JSON, OTEL_TABLE -> { }
        case JSON_LINES -> {
          if (f.gzip() || f.length() <= splitBytes) {
            tasks.add(ParseTask.wholeFile(f));
          } else {
            int index = 0;
            for (long start = 0; start < f.length(); start += splitBytes) {
              long end = Math.min(f.length(), start + splitBytes);
              tasks.add(new ParseTask(f, index++, start, end == f.length() ? Long.MAX_VALUE : end));
            }
          }
        }
        default -> tasks.add(ParseTask.wholeFile(f));
      }
    }
    return tasks;
  }

  /**
   * Parses every file into {@link TraceSchemas#PARSED_RECORD} rows; with {@code withSpans} each trace also carries
   * every span ({@code trace.spans}), which costs the decoding of every span's inputs, outputs and attributes.
   */
  public static Dataset<Row> parse(SparkSession spark, List<DetectedFile> files, TracelakeConfig config,
      boolean withSpans) {
    List<String> rootKeys = config.columns().rootSpanAttributeKeys();
    ReadLimits limits = ReadLimits.of(config.ingest());
    TraceCost.Prices prices = TraceCost.Prices.of(config.cost().prices());
    List<DetectedFile> unreadableParquet = new ArrayList<>();
    JavaRDD<InternalRow> frames = parseFrames(spark, files, rootKeys, limits, withSpans, prices, unreadableParquet);

    List<DetectedFile> others = new ArrayList<>(files);
    others.removeIf(f -> f.shape() == FileShape.PARQUET || f.shape() == FileShape.TABLE);
    others.addAll(unreadableParquet);
    List<ParseTask> tasks = plan(others, (long) config.ingest().splitSizeMb() << 20);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    HadoopConfHolder conf = new HadoopConfHolder(spark.sparkContext().hadoopConfiguration());
    JavaRDD<InternalRow> rows = jsc.parallelize(tasks, Math.max(1, tasks.size()))
        .flatMap(new ParseTaskRunner(conf, rootKeys, limits, withSpans, prices));
    if (frames != null) {
      rows = rows.union(frames);
    }
    // The parse tasks build rows in Spark's internal form (CatalystValues): no per-row conversion.
    return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows.rdd(),
        TraceSchemas.PARSED_RECORD, false);
  }

  /**
   * The rows of saved Parquet frames and of input tables, each as {@code (json, source, position, shape)} for
   * {@link FrameRowParser}; a Parquet file Spark cannot open is added to {@code unreadable} instead.
   */
  private static JavaRDD<InternalRow> parseFrames(SparkSession spark, List<DetectedFile> files,
      List<String> rootKeys, ReadLimits limits, boolean withSpans, TraceCost.Prices prices,
      List<DetectedFile> unreadable) {
    Dataset<Row> all = null;
    for (DetectedFile f : files) {
      Dataset<Row> rows;
      if (f.shape() == FileShape.TABLE) {
        rows = InputTables.rows(spark, f.path());
      } else if (f.shape() == FileShape.PARQUET) {
        try {
          rows = spark.read().parquet(f.path())
              .select(to_json(struct(col("*"))).as("json"), lit(f.path()).as("source"),
                  concat(lit("row "), col("_metadata.row_index").plus(1).cast("string")).as("position"),
                  lit(FileShape.PARQUET.label()).as("shape"));
        } catch (RuntimeException e) {
          unreadable.add(new DetectedFile(f.path(), f.length(), FileShape.UNREADABLE, false,
              "cannot read Parquet: " + JsonValues.firstLine(e.getMessage())));
          continue;
        }
      } else {
        continue;
      }
      all = all == null ? rows : all.union(rows);
    }
    if (all == null) {
      return null;
    }
    return all.javaRDD().mapPartitions(new FrameRowParser(rootKeys, limits, withSpans, prices));
  }
}
