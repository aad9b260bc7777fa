package io.tracelake.schema;

/** Column names of the {@code spans} table (besides trace_id, request_date and record_hash of the traces table). */
public final class SpanColumns {

  private SpanColumns() {}

  /** The parsed-trace field holding the spans, when a parse keeps them. */
  public static final String SPANS = "spans";
  /** The span's position in its trace's list of spans, from 0: a key even where span ids are missing. */
  public static final String SPAN_INDEX = "span_index";
  public static final String SPAN_ID = "span_id";
  public static final String PARENT_SPAN_ID = "parent_span_id";
  public static final String NAME = "name";
  public static final String SPAN_TYPE = "span_type";
  public static final String STATUS_CODE = "status_code";
  public static final String STATUS_MESSAGE = "status_message";
  public static final String START_TIME = "start_time";
  public static final String END_TIME = "end_time";
  public static final String DURATION_MS = "duration_ms";
  public static final String INPUTS = "inputs";
  public static final String OUTPUTS = "outputs";
  public static final String ATTRIBUTES = "attributes";
  public static final String EVENT_COUNT = "event_count";
  public static final String MODEL = "model";
  public static final String PROVIDER = "provider";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String TOTAL_TOKENS = "total_tokens";
  public static final String COST = "cost";
}
