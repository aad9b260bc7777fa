package io.tracelake.schema;

import static java.util.Map.entry;

import java.util.List;
import java.util.Map;

/**
 * The tables ingest writes, as declared: {@code traces}, {@code spans} and {@code traces_quarantine} — their columns
 * ({@link TraceSchemas}, shared with the code that builds their rows) with what each holds and where it comes from,
 * their partitioning, and the columns Delta keeps statistics on. The tables are created from these and the README's
 * column tables are generated from them.
 */
public final class IngestTables {

  private IngestTables() {}

  /**
   * The {@code traces} columns Delta keeps min/max statistics on (table property
   * {@code delta.dataSkippingStatsColumns}): those queries filter on. Delta's default, the first 32 columns, takes
   * in the request and response texts and the metadata maps too, and collecting those statistics cost a quarter of
   * the {@code traces} write (measured, docs/benchmarks.md).
   */
  private static final List<String> TRACES_STATS_COLUMNS = List.of(TraceColumns.TRACE_ID, TraceColumns.REQUEST_TIME,
      TraceColumns.STATE, TraceColumns.USER_ID, TraceColumns.SESSION_ID, TraceColumns.ENVIRONMENT,
      TraceColumns.APP_VERSION, TraceColumns.INGESTED_AT);

  /** The {@code spans} columns Delta keeps statistics on, as for {@code traces}. */
  private static final List<String> SPANS_STATS_COLUMNS = List.of(TraceColumns.TRACE_ID, TraceColumns.RECORD_HASH,
      SpanColumns.START_TIME, SpanColumns.SPAN_TYPE, SpanColumns.MODEL);

  public static final TableSpec TRACES = TableSpec.described("traces",
      "one row per trace_id (the freshest version read), partitioned by request_date", TraceSchemas.TRACES,
      Map.ofEntries(
          entry(TraceColumns.TRACE_ID, "`info.trace_id`; MLflow 2 `request_id`"),
          entry(TraceColumns.CLIENT_REQUEST_ID, "`info.client_request_id`"),
          entry(TraceColumns.EXPERIMENT_ID, "`trace_location.mlflow_experiment.experiment_id`; MLflow 2 "
              + "`experiment_id`"),
          entry(TraceColumns.REQUEST_TIME, "UTC; `request_time` (RFC 3339, any offset, up to 9 fraction digits; or "
              + "epoch ms); MLflow 2 `timestamp_ms`"),
          entry(TraceColumns.REQUEST_DATE, "the UTC date of `request_time`"),
          entry(TraceColumns.EXECUTION_DURATION_MS, "`execution_duration_ms` / `execution_time_ms` / protobuf "
              + "`execution_duration`; null when absent (in progress)"),
          entry(TraceColumns.STATE, "`OK`, `ERROR`, `IN_PROGRESS`, `STATE_UNSPECIFIED` (MLflow 2 `status` mapped; "
              + "absent → `STATE_UNSPECIFIED`)"),
          entry(TraceColumns.USER_ID, "config `columns.user_id`: metadata `mlflow.trace.user`, then `user.id`, then "
              + "root span attribute `user.id`"),
          entry(TraceColumns.SESSION_ID, "config `columns.session_id`: metadata `mlflow.trace.session`, "
              + "`session.id`, `gen_ai.conversation.id`, then those root span attributes"),
          entry(TraceColumns.ENVIRONMENT, "config `columns.environment`: metadata `mlflow.source.type`"),
          entry(TraceColumns.APP_VERSION, "config `columns.app_version`: metadata `app_version`"),
          entry(TraceColumns.DEPLOYMENT_ID, "config `columns.deployment_id`: metadata `deployment_id`"),
          entry(TraceColumns.TRACE_NAME, "tag `mlflow.traceName`, else the root span's name"),
          entry(TraceColumns.REQUEST, "JSON text: root span `mlflow.spanInputs`; else metadata `mlflow.traceInputs`; "
              + "else MLflow 2 `data.request`; else a frame's `request` column"),
          entry(TraceColumns.RESPONSE, "JSON text: root span `mlflow.spanOutputs`; the same fall-backs"),
          entry(TraceColumns.REQUEST_PREVIEW, "as exported; when absent, the first 1,000 characters of `request`"),
          entry(TraceColumns.RESPONSE_PREVIEW, "as exported; when absent, the first 1,000 characters of `response`"),
          entry(TraceColumns.TRACE_METADATA, "`trace_metadata` / `request_metadata`, as exported"),
          entry(TraceColumns.TAGS, "`tags`, as exported"),
          entry(TraceColumns.INPUT_TOKENS, "metadata `mlflow.trace.tokenUsage`; else the sum over spans of "
              + "`mlflow.chat.tokenUsage` (or OpenTelemetry `gen_ai.usage.*`); null when none"),
          entry(TraceColumns.OUTPUT_TOKENS, "as `input_tokens`"),
          entry(TraceColumns.TOTAL_TOKENS, "as `input_tokens`"),
          entry(TraceColumns.SPAN_COUNT, "number of spans; without spans, `num_spans` of `mlflow.trace.sizeStats`; "
              + "else null"),
          entry(TraceColumns.ASSESSMENTS, "`assessment_id, name, kind` (`feedback`/`expectation`), `source_type, "
              + "source_id, value` (JSON text), `error` (JSON text), `rationale, create_time, last_update_time, "
              + "valid` (absent → true), `overrides`"),
          entry(TraceColumns.SOURCE_FORMAT, "file shape / record shape, e.g. `jsonl.gz/v3`, "
              + "`parquet/search_traces_row/v3`, `json-document/v3-proto`, `jsonl/v2`"),
          entry(TraceColumns.SOURCE_FILE, "the file the stored version came from"),
          entry(TraceColumns.INGESTED_AT, "start of the ingest run that stored this version"),
          entry(TraceColumns.RECORD_HASH, "hash of the trace's content (SHA-256 while parsing, map keys sorted; not "
              + "where or when it was read) combined with the five identity columns and the cost"),
          entry(TraceColumns.COST_USD, "the trace's cost in USD: metadata `mlflow.trace.cost` (MLflow 3.10+, JSON "
              + "`total_cost`, else `input_cost + output_cost`); else the sum of its spans' `mlflow.llm.cost`; else "
              + "its LLM spans' tokens at the prices of config `cost.prices` (each span's model — "
              + "`mlflow.llm.model`, else `gen_ai.request.model`, `gen_ai.response.model` — at the price in force "
              + "on `request_date`). Null when unknown (never a 0 that stands for \"no price\"), and while the trace "
              + "is in progress: its finished version brings its cost"),
          entry(TraceColumns.COST_SOURCE, "where `cost_usd` comes from: `trace`, `spans`, `prices`, or `unpriced` "
              + "(token usage that no price covers: `cost_usd` null); null when the trace has neither a cost nor "
              + "token usage"),
          entry(TraceColumns.UNPRICED_MODELS, "with `cost_source = 'unpriced'`: the models that have no price on "
              + "that date, sorted (`(no model)` for usage that names none) — what to add to `cost.prices`")),
      List.of(TraceColumns.REQUEST_DATE), TRACES_STATS_COLUMNS);

  public static final TableSpec SPANS = TableSpec.described("spans",
      "one row per span of each trace in traces (the version traces holds), partitioned by the trace's "
          + "request_date", TraceSchemas.SPANS,
      Map.ofEntries(
          entry(TraceColumns.TRACE_ID, "the trace's"),
          entry(TraceColumns.REQUEST_DATE, "the trace's"),
          entry(SpanColumns.SPAN_INDEX, "position in the trace's list of spans, from 0 (a key even where span ids "
              + "are missing)"),
          entry(SpanColumns.SPAN_ID, "16 lower-case hex digits, as MLflow's `encode_span_id` prints them, from every "
              + "generation: base64 (3.0–3.4, 3.5.1+), hex (3.5.0), `0x…` (MLflow 2, `context.span_id`)"),
          entry(SpanColumns.PARENT_SPAN_ID, "as `span_id` (MLflow 2 `parent_id`); the root's parent is null (`\"\"` "
              + "in 3.0–3.4)"),
          entry(SpanColumns.NAME, "span name"),
          entry(SpanColumns.SPAN_TYPE, "attribute `mlflow.spanType` (JSON-decoded); null when absent (OpenTelemetry "
              + "spans)"),
          entry(SpanColumns.STATUS_CODE, "`OK`, `ERROR` or `UNSET` (`STATUS_CODE_` prefix dropped; MLflow 2 "
              + "`status_code`; OpenTelemetry 0/1/2)"),
          entry(SpanColumns.STATUS_MESSAGE, "the status message, null when empty"),
          entry(SpanColumns.START_TIME, "`start_time_unix_nano` (a number or a string), MLflow 2 `start_time` (ns)"),
          entry(SpanColumns.END_TIME, "`end_time_unix_nano`, MLflow 2 `end_time`"),
          entry(SpanColumns.DURATION_MS, "end minus start, to the nanosecond"),
          entry(SpanColumns.INPUTS, "JSON text: attribute `mlflow.spanInputs`"),
          entry(SpanColumns.OUTPUTS, "JSON text: attribute `mlflow.spanOutputs`"),
          entry(SpanColumns.ATTRIBUTES, "every other attribute, values as JSON text (as MLflow stores them)"),
          entry(SpanColumns.EVENT_COUNT, "number of span events"),
          entry(SpanColumns.MODEL, "`mlflow.llm.model`, else `gen_ai.request.model`, else `gen_ai.response.model`"),
          entry(SpanColumns.PROVIDER, "`mlflow.llm.provider`, else `gen_ai.provider.name`, else `gen_ai.system`"),
          entry(SpanColumns.INPUT_TOKENS, "the span's own `mlflow.chat.tokenUsage`, else `gen_ai.usage.*`"),
          entry(SpanColumns.OUTPUT_TOKENS, "as `input_tokens`"),
          entry(SpanColumns.TOTAL_TOKENS, "as `input_tokens`"),
          entry(SpanColumns.COST, "`total_cost` of `mlflow.llm.cost` (USD), else input + output cost"),
          entry(TraceColumns.RECORD_HASH, "the version of the trace these spans belong to (`traces.record_hash`)")),
      List.of(TraceColumns.REQUEST_DATE), SPANS_STATS_COLUMNS);

  public static final TableSpec QUARANTINE = TableSpec.described("traces_quarantine",
      "one row per record (or file) that ingest could not read, with the reason", TraceSchemas.QUARANTINE,
      Map.ofEntries(
          entry(QuarantineColumns.QUARANTINE_ID, "sha-256 of file, position, reason and raw text: re-ingesting adds "
              + "no duplicate"),
          entry(QuarantineColumns.SOURCE_FILE, "the file; for an OpenTelemetry table, `otel:<spans table>`"),
          entry(QuarantineColumns.POSITION, "`line 12`, `line 3, index 5` (inside an envelope on one line), "
              + "`document 1, index 7`, `row 4` (Parquet), `file`"),
          entry(QuarantineColumns.LINE_NUMBER, "1-based line in the file where known (also for byte-range splits)"),
          entry(QuarantineColumns.REASON, "one of the codes below"),
          entry(QuarantineColumns.DETAIL, "what exactly is wrong, e.g. `request_time 'yesterday at noon' is not an "
              + "RFC 3339 time or epoch milliseconds`"),
          entry(QuarantineColumns.RAW, "the record's text, first `ingest.raw_max_chars` (8,192) characters"),
          entry(QuarantineColumns.RAW_TRUNCATED, "whether `raw` was cut"),
          entry(QuarantineColumns.INGESTED_AT, "start of the run that first quarantined it"),
          entry(QuarantineColumns.RUN_ID, "the run that first quarantined it")),
      List.of(), List.of());
}
