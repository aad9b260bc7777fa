package io.tracelake.schema;

/** Column names of the canonical {@code traces} table, in one place. */
public final class TraceColumns {

  private TraceColumns() {}

  public static final String TRACE_ID = "trace_id";
  public static final String CLIENT_REQUEST_ID = "client_request_id";
  public static final String EXPERIMENT_ID = "experiment_id";
  public static final String REQUEST_TIME = "request_time";
  public static final String REQUEST_DATE = "request_date";
  public static final String EXECUTION_DURATION_MS = "execution_duration_ms";
  public static final String STATE = "state";
  public static final String USER_ID = "user_id";
  public static final String SESSION_ID = "session_id";
  public static final String ENVIRONMENT = "environment";
  public static final String APP_VERSION = "app_version";
  public static final String DEPLOYMENT_ID = "deployment_id";
  public static final String TRACE_NAME = "trace_name";
  public static final String REQUEST = "request";
  public static final String RESPONSE = "response";
  public static final String REQUEST_PREVIEW = "request_preview";
  public static final String RESPONSE_PREVIEW = "response_preview";
  public static final String TRACE_METADATA = "trace_metadata";
  public static final String TAGS = "tags";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String TOTAL_TOKENS = "total_tokens";
  public static final String SPAN_COUNT = "span_count";
  public static final String ASSESSMENTS = "assessments";
  public static final String SOURCE_FORMAT = "source_format";
  public static final String SOURCE_FILE = "source_file";
  public static final String INGESTED_AT = "ingested_at";
  public static final String RECORD_HASH = "record_hash";
  public static final String COST_USD = "cost_usd";
  public static final String COST_SOURCE = "cost_source";
  public static final String UNPRICED_MODELS = "unpriced_models";

  /** The values of {@code cost_source}: where a trace's {@code cost_usd} comes from. */
  public static final String COST_FROM_TRACE = "trace";
  public static final String COST_FROM_SPANS = "spans";
  public static final String COST_FROM_PRICES = "prices";
  public static final String COST_UNPRICED = "unpriced";

  /** Only in the parsed (pre-canonical) frame: root span attributes used as identity fall-backs. */
  public static final String ROOT_SPAN_ATTRIBUTES = "root_span_attributes";

  /** Only in the parsed frame: the hash of the record's content, computed while parsing. */
  public static final String CONTENT_HASH = "content_hash";

  /** The trace states MLflow 3 defines. */
  public static final String STATE_OK = "OK";
  public static final String STATE_ERROR = "ERROR";
  public static final String STATE_IN_PROGRESS = "IN_PROGRESS";
  public static final String STATE_UNSPECIFIED = "STATE_UNSPECIFIED";
}
