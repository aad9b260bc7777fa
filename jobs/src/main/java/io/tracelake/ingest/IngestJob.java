package io.tracelake.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.tracelake.Progress;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.ingest.files.DetectedFile;
import io.tracelake.ingest.files.ExportReader;
import io.tracelake.ingest.files.FileShape;
import io.tracelake.ingest.files.InputTables;
import io.tracelake.ingest.mlflow.TraceCost;
import io.tracelake.ingest.otlp.OtelTables;
import io.tracelake.ingest.otlp.OtlpSpanRows;
import io.tracelake.ingest.otlp.OtlpTraces;
import io.tracelake.ingest.store.CanonicalTraces;
import io.tracelake.ingest.store.IngestedFiles;
import io.tracelake.ingest.store.OtlpSpanStaging;
import io.tracelake.ingest.store.QuarantineRecords;
import io.tracelake.ingest.store.SpanTable;
import io.tracelake.ingest.store.TraceMerger;
import io.tracelake.schema.IngestTables;
import io.tracelake.schema.QuarantineColumns;
import io.tracelake.schema.TraceColumns;
import io.tracelake.schema.RunSchemas;
import io.tracelake.spark.CodeGeneration;
import io.tracelake.spark.DiskCopy;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.LoggerFactory;

/**
 * The ingest job: exports → {@code traces} (one row per trace_id, freshest version), {@code spans} (the spans of the
 * version {@code traces} holds; unless {@code ingest.spans} is off) and {@code traces_quarantine} (every record that
 * could not be read, with its reason), plus one row in {@code ingest_runs}.
 *
 * <p>Each table is written in one Delta transaction (MERGE), so a run killed half way leaves each table as it was
 * before that table's write, and a re-run of the same input changes nothing.
 */
public final class IngestJob {

  /**
   * What to ingest, and where. {@code formatOverride} null means detect each file's shape. Files a finished ingest
   * already read since their last change are skipped ({@link IngestedFiles}) unless {@code reread}.
   */
  public record Options(List<String> inputs, String warehouse, FileShape formatOverride, boolean reread,
      List<String> inputTables, List<String> otelTables) {

    /** Files and tables of traces. */
    public Options(List<String> inputs, String warehouse, FileShape formatOverride, boolean reread,
        List<String> inputTables) {
      this(inputs, warehouse, formatOverride, reread, inputTables, List.of());
    }

    /** Files only. */
    public Options(List<String> inputs, String warehouse, FileShape formatOverride, boolean reread) {
      this(inputs, warehouse, formatOverride, reread, List.of());
    }

    /** Files only, skipping files already read. */
    public Options(List<String> inputs, String warehouse, FileShape formatOverride) {
      this(inputs, warehouse, formatOverride, false);
    }
  }

  /** The warehouse's folder for what a run copies and deletes when it ends (one sub-folder per run). */
  private static final String SCRATCH = "_scratch";

  private IngestJob() {}

  public static IngestSummary run(SparkSession spark, TracelakeConfig config, Options options) {
    Progress progress = new Progress("ingest");
    String runId = UUID.randomUUID().toString();
    Instant startedAt = Instant.now();
    Timestamp ingestedAt = Timestamp.from(startedAt);
    Warehouse warehouse = Warehouse.openForWrite(spark, options.warehouse());

    // Tables first: a table that is not the unified view's shape fails before any file is listed.
    List<DetectedFile> tables = new ArrayList<>();
    for (String table : options.inputTables()) {
      tables.add(InputTables.detect(spark, table));
    }
    List<OtelTables.Source> otel = new ArrayList<>();
    for (String given : options.otelTables()) {
      OtelTables.Source source = OtelTables.open(spark, given);
      otel.add(source);
      tables.add(new DetectedFile(source.spans(), -1, FileShape.OTEL_TABLE, false, null));
    }
    progress.stage("listing %d input path(s)%s", options.inputs().size(),
        tables.isEmpty() ? "" : String.format(" and %d input table(s)", tables.size()));
    IngestedFiles ingested = options.reread() ? IngestedFiles.none() : IngestedFiles.from(warehouse);
    long[] skipped = {0};
    List<DetectedFile> files = ExportReader.listAndDetect(spark, options.inputs(), options.formatOverride(), f -> {
      boolean read = ingested.readSinceLastChange(f);
      skipped[0] += read ? 1 : 0;
      return !read;
    });
    // A table is read whole on every run (it has no modification time to skip by); freshness makes that exact.
    files.addAll(tables);
    Map<String, Long> filesByShape = new TreeMap<>();
    for (DetectedFile f : files) {
      filesByShape.merge(f.label(), 1L, Long::sum);
    }
    boolean interpreted = CodeGeneration.fitTo(spark, estimatedBytes(files),
        CodeGeneration.INGEST_INTERPRETED_BELOW_BYTES);
    progress.stage("found %d file(s) to read %s%s%s", files.size(), filesByShape, skipped[0] == 0 ? ""
        : String.format("; %,d unchanged since an earlier ingest read them, skipped", skipped[0]),
        interpreted ? "; a small input: Spark runs it without compiling code" : "");

    if (files.isEmpty()) {
      // Nothing new to read: no parse, no table write but the run's row (watch and the next run read it).
      tracesTable(warehouse);
      warehouse.createIfNotExists(IngestTables.QUARANTINE);
      long spanRows = -1;
      if (config.ingest().spans()) {
        SpanTable.table(warehouse);
        spanRows = warehouse.rowCount(TableNames.SPANS);
      }
      IngestSummary summary = new IngestSummary(runId, warehouse.root(), 0, skipped[0], filesByShape, 0, 0, 0, 0,
          0, 0, 0, Map.of(), List.of(), warehouse.rowCount(TableNames.TRACES),
          warehouse.rowCount(TableNames.QUARANTINE), 0, 0, spanRows, List.of(), 0, progress.seconds());
      recordRun(spark, warehouse, options, summary, startedAt, Map.of());
      return summary;
    }
    List<DetectedFile> otlpFiles = files.stream().filter(f -> f.shape() == FileShape.OTLP_JSON).toList();
    long[] otlpSkipped = {0};
    // One parse, with the spans when the spans table is kept: every step below reads the same rows, copied to local
    // disk by the first one (a second and third parse of the input cost more than that copy).
    Map<String, Long> versionsRead = new TreeMap<>();
    String scratch = warehouse.root() + "/" + SCRATCH + "/" + runId;
    try (DiskCopy otlp = otlpFiles.isEmpty() ? null : DiskCopy.of(OtlpTraces.read(spark, otlpFiles, config));
        DiskCopy copy = DiskCopy.of(withOtelTraces(withOtlpTraces(ExportReader.parse(spark, files, config,
            config.ingest().spans()), otlp, warehouse, config, progress, otlpSkipped), otel,
            new OtelReads(warehouse, options.reread() ? IngestedFiles.none() : ingested, scratch, versionsRead),
            config, progress))) {
      Dataset<Row> parsed = copy.rows();
      Dataset<Row> slim = parsed.select(col("trace." + TraceColumns.TRACE_ID).as(TraceColumns.TRACE_ID),
          col("trace." + TraceColumns.REQUEST_DATE).as(TraceColumns.REQUEST_DATE),
          col("trace." + TraceColumns.SPAN_COUNT).as(TraceColumns.SPAN_COUNT), col("rejection"),
          col("split_stats"));
      progress.stage("parsing");
      Row counts = slim.agg(
          count(col(TraceColumns.TRACE_ID)).as("traces"),
          count(col("rejection")).as("rejections"),
          countDistinct(col(TraceColumns.TRACE_ID)).as("distinct_traces"),
          collect_set(col(TraceColumns.REQUEST_DATE)).as("dates"),
          coalesce(sum(col(TraceColumns.SPAN_COUNT)), lit(0L)).as("spans")).first();
      long tracesParsed = counts.getLong(0);
      long rejections = counts.getLong(1);
      long distinctTraces = counts.getLong(2);
      Set<LocalDate> batchDates = new HashSet<>(counts.getList(3));
      long spansInBatch = counts.getLong(4);
      progress.stage("parsed %,d traces (%,d distinct ids), %,d rejected records", tracesParsed, distinctTraces,
          rejections);

      // An existing table first gets any column or property declared since it was written; a new one is created by
      // its first write (TraceMerger), or empty when this run has no trace for it.
      Supplier<DeltaTable> traces = () -> tracesTable(warehouse);
      if (tracesParsed == 0 || warehouse.exists(TableNames.TRACES)) {
        traces.get();
      }
      Dataset<Row> canonical = parsed.where(col("trace").isNotNull()).select("trace.*")
          .transform(p -> CanonicalTraces.fromParsed(p, config, ingestedAt));
      // Deduplication needs a shuffle of whole rows; skip it when every trace id is already unique.
      Dataset<Row> batch = distinctTraces == tracesParsed ? canonical
          : canonical.transform(CanonicalTraces::dedupeByFreshness);
      TraceMerger.Outcome outcome;
      if (tracesParsed == 0) {
        outcome = new TraceMerger.Outcome(0, 0, 0, List.of());
      } else {
        progress.stage("writing into %s", warehouse.path(TableNames.TRACES));
        outcome = TraceMerger.merge(traces, warehouse.path(TableNames.TRACES), batch, batchDates, distinctTraces,
            options.reread());
      }
      progress.stage("traces: %,d inserted, %,d updated, %,d unchanged", outcome.inserted(), outcome.updated(),
          outcome.unchanged());
      SpanTable.Outcome spans = new SpanTable.Outcome(0, 0);
      // Without spans in the batch and without replaced versions (whose old spans go) there is nothing to write.
      if (config.ingest().spans() && spansInBatch == 0 && outcome.updated() == 0) {
        SpanTable.table(warehouse);
      } else if (config.ingest().spans()) {
        progress.stage("writing the spans of the traces written into %s", warehouse.path(TableNames.SPANS));
        spans = SpanTable.write(warehouse, parsed, config,
            tracesParsed == 0 ? Set.of() : batchDates, distinctTraces != tracesParsed,
            outcome.wholeBatchAppended() && distinctTraces == tracesParsed, outcome.inserted() == distinctTraces);
        progress.stage("spans: %,d inserted, %,d of replaced versions deleted", spans.inserted(), spans.deleted());
      }

      Map<String, Long> byReason = new TreeMap<>();
      if (rejections > 0) {
        progress.stage("writing %,d rejected records to %s", rejections, warehouse.path(TableNames.QUARANTINE));
        List<Row> splitStats = slim.where(col("split_stats").isNotNull()).select("split_stats.*")
            .collectAsList();
        Dataset<Row> quarantine = QuarantineRecords.toQuarantineRows(spark,
            slim.where(col("rejection").isNotNull()).select("rejection.*"),
            QuarantineRecords.lineBases(splitStats), ingestedAt, runId);
        for (Row r : slim.where(col("rejection").isNotNull())
            .groupBy(col("rejection." + QuarantineColumns.REASON)).count().collectAsList()) {
          byReason.put(r.getString(0), r.getLong(1));
        }
        QuarantineRecords.mergeInto(
            warehouse.createIfNotExists(IngestTables.QUARANTINE), quarantine);
      } else {
        warehouse.createIfNotExists(IngestTables.QUARANTINE);
      }

      long tracesRows = warehouse.rowCount(TableNames.TRACES);
      long quarantineRows = warehouse.rowCount(TableNames.QUARANTINE);
      long spanRows = config.ingest().spans() ? warehouse.rowCount(TableNames.SPANS) : -1;
      IngestSummary summary = new IngestSummary(runId, warehouse.root(), files.size(), skipped[0], filesByShape,
          tracesParsed + rejections, tracesParsed, tracesParsed - distinctTraces, outcome.inserted(),
          outcome.updated(), outcome.unchanged(), rejections, byReason, outcome.touchedDates(), tracesRows,
          quarantineRows, spans.inserted(), spans.deleted(), spanRows,
          runWarnings(warehouse, ingestedAt, config.columns()), otlpSkipped[0], progress.seconds());
      recordRun(spark, warehouse, options, summary, startedAt, versionsRead);
      return summary;
    } finally {
      deleteScratch(spark, scratch);
    }
  }

  /**
   * The parsed exports with the traces of OTLP files added: this run's spans go into {@code otlp_spans} first, then
   * every trace they touch is built from all its spans held there ({@link OtlpSpanStaging}). Lines of another OTLP
   * signal are skipped, and counted into {@code skipped[0]}.
   */
  private static Dataset<Row> withOtlpTraces(Dataset<Row> parsed, DiskCopy otlp, Warehouse warehouse,
      TracelakeConfig config, Progress progress, long[] skipped) {
    if (otlp == null) {
      return parsed;
    }
    Dataset<Row> rows = otlp.rows();
    progress.stage("reading OTLP spans");
    Row counts = rows.agg(count(when(col(OtlpSpanRows.KIND).equalTo(OtlpSpanRows.KIND_SPAN), 1)),
        count(when(col(OtlpSpanRows.KIND).equalTo(OtlpSpanRows.KIND_SKIPPED), 1))).first();
    skipped[0] = counts.getLong(1);
    progress.stage("OTLP: %,d spans received%s; adding them to %s", counts.getLong(0), counts.getLong(1) == 0 ? ""
        : String.format(", %,d line(s) of another signal (metrics, logs) skipped", counts.getLong(1)),
        warehouse.path(TableNames.OTLP_SPANS));
    Dataset<Row> touched = counts.getLong(0) == 0 ? null
        : OtlpSpanStaging.addAndReadTouched(warehouse, OtlpTraces.spans(rows));
    Dataset<Row> withRejections = parsed.union(OtlpTraces.rejections(rows));
    return touched == null ? withRejections
        : withRejections.union(OtlpTraces.assemble(warehouse.spark(), touched, config, config.ingest().spans()));
  }

  /** Where {@link #withOtelTraces} learns what earlier runs read, keeps its copies, and notes what it read. */
  private record OtelReads(Warehouse warehouse, IngestedFiles ingested, String scratch,
      Map<String, Long> versionsRead) {}

  /**
   * The parsed exports with the traces of MLflow's OpenTelemetry tables added: each spans table's rows appended since
   * the last run go into {@code otlp_spans}, then every trace they touch, or whose annotations changed since, is
   * built from all its spans held there and its live annotations ({@link OtelTables}). The versions read are noted
   * for {@code ingest_runs}, which this run writes last.
   */
  private static Dataset<Row> withOtelTraces(Dataset<Row> parsed, List<OtelTables.Source> sources, OtelReads reads,
      TracelakeConfig config, Progress progress) {
    Dataset<Row> out = parsed;
    SparkSession spark = parsed.sparkSession();
    for (int i = 0; i < sources.size(); i++) {
      OtelTables.Source source = sources.get(i);
      Long spansRead = reads.ingested().versionRead(source.spans());
      Long annotationsRead = source.annotations() == null ? null
          : reads.ingested().versionRead(source.annotations());
      progress.stage("reading %s %s", source.spans(), spansRead == null
          ? String.format("whole (version %d)", source.spansVersion())
          : String.format("from version %d to %d", spansRead + 1, source.spansVersion()));
      Dataset<Row> rows = OtelTables.spanRows(OtelTables.spansSince(spark, source, spansRead,
          reads.scratch() + "/spans-" + i), source);
      // On a first read every span is new, so every trace is rebuilt; later, also those whose annotations changed.
      Dataset<Row> annotated = spansRead == null ? null
          : OtelTables.annotatedSince(spark, source, annotationsRead, reads.scratch() + "/annotations-" + i);
      Dataset<Row> newSpans = OtlpTraces.spans(rows);
      long received = newSpans.count();
      progress.stage("%s: %,d new span(s)%s; adding them to %s", source.spans(), received,
          annotated == null ? "" : String.format(", %,d trace(s) with changed annotations",
              annotated.distinct().count()), reads.warehouse().path(TableNames.OTLP_SPANS));
      Dataset<Row> touched = received > 0
          ? OtlpSpanStaging.addAndReadTouched(reads.warehouse(), newSpans, annotated)
          : OtlpSpanStaging.readTouched(reads.warehouse(), annotated == null ? newSpans : annotated);
      out = out.union(OtlpTraces.rejections(rows)).union(OtlpTraces.assemble(spark, touched,
          OtelTables.overlays(spark, source, spansRead == null ? null : touched), config,
          config.ingest().spans()));
      reads.versionsRead().put(source.spans(), source.spansVersion());
      if (source.annotations() != null) {
        reads.versionsRead().put(source.annotations(), source.annotationsVersion());
      }
    }
    return out;
  }

  /** Deletes the run's scratch folder (the copies of the rows Delta input tables gained), if it made one. */
  private static void deleteScratch(SparkSession spark, String scratch) {
    Path path = new Path(scratch);
    try {
      path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
    } catch (IOException e) {
      LoggerFactory.getLogger("io.tracelake").warn("[ingest] could not delete {}: {}", scratch, e.getMessage());
    }
  }

  /** The {@code traces} table, created empty if it does not exist. */
  private static DeltaTable tracesTable(Warehouse warehouse) {
    return warehouse.createIfNotExists(IngestTables.TRACES);
  }

  /**
   * A warning for each identity column (user, session) that came out null in every trace this run wrote although
   * those traces carry metadata: the sign of a wrong key mapping; and one naming the models without a price when
   * some of those traces' cost is unknown. Reads only the rows this run wrote (data skipping on
   * {@code ingested_at}) and narrow columns.
   */
  private static List<String> runWarnings(Warehouse warehouse, Timestamp ingestedAt,
      TracelakeConfig.Columns columns) {
    Dataset<Row> written = warehouse.read(TableNames.TRACES)
        .where(col(TraceColumns.INGESTED_AT).equalTo(lit(ingestedAt)));
    Row r = written.agg(count(when(size(col(TraceColumns.TRACE_METADATA)).gt(0), 1)),
        count(col(TraceColumns.USER_ID)), count(col(TraceColumns.SESSION_ID)),
        count(when(col(TraceColumns.COST_SOURCE).equalTo(TraceColumns.COST_UNPRICED), 1))).first();
    List<String> warnings = new ArrayList<>();
    if (r.getLong(3) > 0) {
      warnings.add(unpricedWarning(written, r.getLong(3)));
    }
    if (r.getLong(0) == 0) {
      warnings.forEach(w -> LoggerFactory.getLogger("io.tracelake").warn("[ingest] {}", w));
      return warnings;
    }
    if (r.getLong(1) == 0) {
      warnings.add(String.format("no trace of this run has a user_id, though %,d have metadata: check "
          + "columns.user_id.metadata (now %s)", r.getLong(0), columns.userId().metadata()));
    }
    if (r.getLong(2) == 0) {
      warnings.add(String.format("no trace of this run has a session_id, though %,d have metadata: check "
          + "columns.session_id.metadata (now %s)", r.getLong(0), columns.sessionId().metadata()));
    }
    warnings.forEach(w -> LoggerFactory.getLogger("io.tracelake").warn("[ingest] {}", w));
    return warnings;
  }

  /** "cost unknown for N traces of this run: no price in cost.prices for m1 (n traces), …" (ten commonest models). */
  private static String unpricedWarning(Dataset<Row> written, long unpricedTraces) {
    List<Row> models = written.where(col(TraceColumns.COST_SOURCE).equalTo(TraceColumns.COST_UNPRICED))
        .select(explode(col(TraceColumns.UNPRICED_MODELS)).as("model")).groupBy("model").count()
        .orderBy(col("count").desc(), col("model")).limit(10).collectAsList();
    String named = models.stream().map(m -> m.getString(0) + " (" + String.format("%,d", m.getLong(1)) + ")")
        .collect(java.util.stream.Collectors.joining(", "));
    boolean noModel = models.stream().anyMatch(m -> m.getString(0).equals(TraceCost.NO_MODEL));
    return String.format("cost unknown for %,d trace(s) of this run: no price in cost.prices for %s; add the prices "
        + "to the config and run --reread to cost them%s", unpricedTraces, named, noModel ? " (" + TraceCost.NO_MODEL
        + ": token usage that names no model, which no price covers)" : "");
  }

  private static void recordRun(SparkSession spark, Warehouse warehouse, Options options, IngestSummary s,
      Instant startedAt, Map<String, Long> versionsRead) {
    List<String> inputs = qualified(spark, options.inputs());
    options.inputTables().forEach(t -> inputs.add("table:" + t));
    options.otelTables().forEach(t -> inputs.add("otel:" + t));
    Row row = RowFactory.create(s.runId(), startedAt, Instant.now(), inputs,
        s.filesRead(), s.recordsRead(), s.inserted(), s.updated(), s.unchanged(), s.duplicatesInInput(),
        s.quarantined(), new ArrayList<LocalDate>(s.touchedDates()),
        versionsRead.isEmpty() ? null : versionsRead);
    Dataset<Row> df = spark.createDataFrame(List.of(row), RunSchemas.INGEST_RUNS.schema());
    warehouse.insertNew(RunSchemas.INGEST_RUNS, df, List.of("run_id"));
  }

  /**
   * The inputs as fully qualified paths ({@code file:/data/inbox}), so that {@code watch} can tell which files a run
   * read whatever the working directory was.
   */
  private static List<String> qualified(SparkSession spark, List<String> inputs) {
    List<String> out = new ArrayList<>();
    for (String input : inputs) {
      Path path = new Path(input);
      try {
        out.add(path.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(path).toString());
      } catch (IOException e) {
        out.add(input);  // listed a moment ago, so this does not happen; the path as given is still worth keeping
      }
    }
    return out;
  }

  /**
   * The bytes the files hold once read: gzip files counted eight times their size (a JSON export compresses about
   * that much), an input table as unbounded.
   */
  private static long estimatedBytes(List<DetectedFile> files) {
    long bytes = 0;
    for (DetectedFile f : files) {
      long size = f.length() < 0 ? Long.MAX_VALUE : f.gzip() ? f.length() * 8 : f.length();
      bytes = size > Long.MAX_VALUE - bytes ? Long.MAX_VALUE : bytes + size;
    }
    return bytes;
  }
}
