package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads MLflow trace records with Jackson's streaming parser, keeping only what the canonical table needs and
 * skipping the rest (span events, non-root span inputs and outputs, unknown keys) without decoding it; the spans
 * themselves are read by {@link SpanReader}, which also keeps every span when asked.
 *
 * <p>One reader accepts every record shape of {@code docs/trace-formats.md}: {@code Trace.to_json()} of MLflow 3 (all
 * three span generations) and MLflow 2, the REST/protobuf JSON variant, a bare trace info, a row of a saved
 * {@code search_traces()} frame (through its {@code trace} column when present), and containers of those: a JSON array
 * and the {@code {"traces": [...]}} search envelope. A record that cannot become a trace is passed to the sink as a
 * rejection with a {@link QuarantineReason}; the reader itself never throws for bad data except
 * {@link IOException}s of malformed JSON, which the caller turns into {@code malformed_json}.
 *
 * <p>Not thread-safe: one instance per parse task.
 */
public final class TraceRecordReader {

  /** Receives each record found in a value. */
  public interface Sink {
    void accept(ParsedTrace trace);

    void reject(QuarantineReason reason, String detail, String raw, String position);
  }

  private final ReadLimits limits;
  private final JsonFactory factory;
  private final boolean captureSpans;
  private final SpanReader spanReader;
  private final TraceCost.Prices prices;

  /**
   * @param rootAttributeKeys root span attributes to keep (identity fall-backs such as {@code user.id})
   * @param limits how much of a rejected record's text the quarantine keeps, and the record size and depth read
   * @param captureSpans keep every span ({@link ParsedTrace#spans}); otherwise only the root's fields and token usage
   * @param prices what models cost, for traces that record no cost ({@link TraceCost})
   */
  public TraceRecordReader(Collection<String> rootAttributeKeys, ReadLimits limits, boolean captureSpans,
      TraceCost.Prices prices) {
    this.limits = limits;
    this.prices = prices;
    this.factory = limits.jsonFactory();
    this.captureSpans = captureSpans;
    this.spanReader = new SpanReader(new HashSet<>(rootAttributeKeys), captureSpans);
  }

  /** A reader that keeps only what the traces table needs of the spans. */
  public TraceRecordReader(Collection<String> rootAttributeKeys, ReadLimits limits) {
    this(rootAttributeKeys, limits, false, TraceCost.Prices.NONE);
  }

  public ReadLimits limits() {
    return limits;
  }

  /** The parser factory for records, with {@link #limits()} enforced. */
  public JsonFactory factory() {
    return factory;
  }

  /**
   * Reads the value the parser's current token starts (an object or an array) and reports every record in it.
   *
   * @param position where the value sits in its file ("line 12"), prefixed to nested positions
   * @param raw the value's own text, asked for only when the whole value is rejected
   * @param context the file the value came from, and its shape, copied onto each trace
   */
  public void readValue(JsonParser p, String position, Supplier<String> raw, RecordContext context, Sink sink)
      throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.START_ARRAY) {
      readArrayOfRecords(p, position, context, sink);
    } else if (token == JsonToken.START_OBJECT) {
      RecordFields fields = new RecordFields();
      readObject(p, fields, true, position, context, sink);
      if (!fields.envelope) {
        finish(fields, context, position, raw, sink);
      }
    } else {
      sink.reject(QuarantineReason.UNKNOWN_SHAPE,
          "a JSON " + JsonValues.describe(token)
              + " is not a trace; expected an object with 'info' or a list of traces",
          raw.get(), position);
    }
  }

  /** Reads each element of an array as its own record, so one bad element does not lose the others. */
  private void readArrayOfRecords(JsonParser p, String position, RecordContext context, Sink sink)
      throws IOException {
    int index = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      JsonNode node = p.readValueAsTree();
      readNode(node, join(position, "index " + index), context, sink);
      index++;
    }
  }

  /** Reads one record held as a tree (an element of an array or envelope, or a pretty-printed document). */
  public void readNode(JsonNode node, String position, RecordContext context, Sink sink) throws IOException {
    try (JsonParser p = node.traverse(JsonValues.MAPPER)) {
      p.nextToken();
      readValue(p, position, () -> node.toString(), context, sink);
    }
  }

  // ---------------------------------------------------------------------------------------------- objects

  private void readObject(JsonParser p, RecordFields f, boolean top, String position, RecordContext context,
      Sink sink) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      f.sawAny = true;
      switch (name) {
        case "info", "trace_info" -> {
          if (value == JsonToken.START_OBJECT) {
            f.sawTraceKey = true;
            readObject(p, f, false, position, context, sink);
          } else {
            p.skipChildren();
          }
        }
        case "data" -> readData(p, f);
        case "traces", "trace_infos" -> {
          if (top && value == JsonToken.START_ARRAY) {
            f.envelope = true;
            readArrayOfRecords(p, position, context, sink);
          } else {
            p.skipChildren();
          }
        }
        case "trace" -> {
          if (top && value == JsonToken.VALUE_STRING) {
            f.traceColumn = p.getText();
            f.sawTraceKey = true;
          } else if (top && value == JsonToken.START_OBJECT) {
            f.traceColumnNode = p.readValueAsTree();
            f.sawTraceKey = true;
          } else {
            p.skipChildren();
          }
        }
        case "spans" -> spanReader.readSpans(p, f);
        case "request" -> f.frameRequest = JsonValues.jsonText(p);
        case "response" -> f.frameResponse = JsonValues.jsonText(p);
        case "trace_id" -> f.traceId = string(p, f, name);
        case "request_id" -> f.requestId = string(p, f, name);
        case "client_request_id" -> f.clientRequestId = scalar(p, f, name);
        case "experiment_id" -> f.experimentId = scalar(p, f, name);
        case "trace_location" -> readTraceLocation(p, f);
        case "request_time" -> f.requestTime = timeToken(p, f, name);
        case "timestamp_ms" -> f.timestampMs = timeToken(p, f, name);
        case "execution_duration_ms", "execution_time_ms" -> f.durationMs = timeToken(p, f, name);
        case "execution_duration" -> f.duration = timeToken(p, f, name);
        case "state", "status" -> f.state = scalar(p, f, name);
        case "trace_metadata", "request_metadata" -> f.metadata = readStringMap(p, f, name);
        case "tags" -> f.tags = readStringMap(p, f, name);
        case "assessments" -> readAssessments(p, f);
        case "request_preview" -> f.requestPreview = scalar(p, f, name);
        case "response_preview" -> f.responsePreview = scalar(p, f, name);
        case "resourceSpans" -> {
          f.otlp = true;
          p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
  }

  private void readTraceLocation(JsonParser p, RecordFields f) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("uc_schema") && value == JsonToken.START_OBJECT) {
        // A trace stored in a Unity Catalog schema: MLflow names it trace:/<catalog>.<schema>/<id> (a V4 id).
        String catalog = null;
        String schema = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String inner = p.currentName();
          JsonToken v = p.nextToken();
          if (inner.equals("catalog_name") && v == JsonToken.VALUE_STRING) {
            catalog = p.getText();
          } else if (inner.equals("schema_name") && v == JsonToken.VALUE_STRING) {
            schema = p.getText();
          } else {
            p.skipChildren();
          }
        }
        if (catalog != null && schema != null) {
          f.ucSchema = catalog + "." + schema;
        }
      } else if (name.equals("mlflow_experiment") && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String inner = p.currentName();
          p.nextToken();
          if (inner.equals("experiment_id")) {
            f.experimentId = scalar(p, f, "trace_location.mlflow_experiment.experiment_id");
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
  }

  private void readData(JsonParser p, RecordFields f) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "spans" -> spanReader.readSpans(p, f);
        // MLflow 2 keeps the trace's request and response as JSON strings here.
        case "request" -> f.dataRequest = JsonValues.stringOrJson(p);
        case "response" -> f.dataResponse = JsonValues.stringOrJson(p);
        default -> p.skipChildren();
      }
    }
  }

  // ------------------------------------------------------------------------------------------ assessments

  private void readAssessments(JsonParser p, RecordFields f) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    List<Assessment> list = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      Assessment a = Assessment.read(p);
      if (a.invalidField != null) {
        f.invalid("assessments[" + list.size() + "]." + a.invalidField);
      }
      list.add(a);
    }
    f.assessments = list;
  }

  // --------------------------------------------------------------------------------------------- finishing

  private void finish(RecordFields f, RecordContext context, String position, Supplier<String> raw, Sink sink)
      throws IOException {
    if (f.traceColumn != null || f.traceColumnNode != null) {
      readTraceColumn(f, context, position, raw, sink);
      return;
    }
    try {
      ParsedTrace trace = TraceAssembler.assemble(f, context, prices);
      if (captureSpans) {
        trace.spans = f.spans;
      }
      sink.accept(trace);
    } catch (RecordRejectedException e) {
      sink.reject(e.reason(), e.detail(), raw.get(), position);
    }
  }

  /**
   * A saved {@code search_traces()} row: its {@code trace} column holds the whole {@code Trace.to_json()}, which is
   * the robust source; the other columns are ignored.
   */
  private void readTraceColumn(RecordFields f, RecordContext context, String position, Supplier<String> raw,
      Sink sink) throws IOException {
    RecordContext rowContext = context.withRecordPrefix("search_traces_row");
    if (f.traceColumnNode != null) {
      readTraceColumnValue(f.traceColumnNode.traverse(JsonValues.MAPPER), rowContext, position, raw, sink);
      return;
    }
    try (JsonParser p = factory.createParser(f.traceColumn)) {
      readTraceColumnValue(p, rowContext, position, raw, sink);
    } catch (StreamConstraintsException e) {
      sink.reject(QuarantineReason.OVER_LIMIT, "column 'trace': " + limits.describe(e), raw.get(), position);
    } catch (IOException e) {
      sink.reject(QuarantineReason.MALFORMED_JSON,
          "column 'trace' is not valid JSON: " + JsonValues.firstLine(e.getMessage()), raw.get(), position);
    }
  }

  private void readTraceColumnValue(JsonParser p, RecordContext context, String position, Supplier<String> raw,
      Sink sink) throws IOException {
    JsonToken first = p.nextToken();
    if (first != JsonToken.START_OBJECT) {
      sink.reject(QuarantineReason.UNKNOWN_SHAPE, "column 'trace' does not hold a trace object", raw.get(),
          position);
      return;
    }
    RecordFields inner = new RecordFields();
    readObject(p, inner, false, position, context, sink);
    finish(inner, context, position, raw, sink);
  }

  // ------------------------------------------------------------------------------------------------ values

  /** A scalar as text (numbers and booleans too); structures are an invalid value for the field. */
  private static String scalar(JsonParser p, RecordFields f, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t.isScalarValue()) {
      return p.getText();
    }
    p.skipChildren();
    f.invalid(field + " is a " + JsonValues.describe(t) + ", expected a string");
    return null;
  }

  /** A field that must be a JSON string (an id): a number or an object there is an invalid field, not an id. */
  private static String string(JsonParser p, RecordFields f, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    f.invalid(field + " is a " + JsonValues.describe(t) + ", expected a string");
    return null;
  }

  private static TimeToken timeToken(JsonParser p, RecordFields f, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t.isScalarValue()) {
      return new TimeToken(field, p.getText(), t.isNumeric());
    }
    p.skipChildren();
    return new TimeToken(field, "<" + JsonValues.describe(t) + ">", false);
  }

  /**
   * A string map given as an object ({@code {"k": "v"}}) or as protobuf JSON's list of {@code {"key", "value"}}.
   * Non-string values are kept as JSON text; null values are dropped (MLflow maps never hold null, and a saved frame's
   * struct columns fill missing keys with null).
   */
  private static Map<String, String> readStringMap(JsonParser p, RecordFields f, String field) throws IOException {
    JsonToken t = p.currentToken();
    Map<String, String> map = new LinkedHashMap<>();
    if (t == JsonToken.VALUE_NULL) {
      return map;
    }
    if (t == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        String value = JsonValues.stringOrJson(p);
        if (value != null) {
          map.put(key, value);
        }
      }
      return map;
    }
    if (t == JsonToken.START_ARRAY) {
      while (p.nextToken() != JsonToken.END_ARRAY) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
          p.skipChildren();
          f.invalid(field + " holds a " + JsonValues.describe(p.currentToken()) + ", expected {key, value} objects");
          continue;
        }
        String key = null;
        String value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          if (name.equals("key")) {
            key = JsonValues.stringOrJson(p);
          } else if (name.equals("value")) {
            value = JsonValues.stringOrJson(p);
          } else {
            p.skipChildren();
          }
        }
        if (key != null && value != null) {
          map.put(key, value);
        }
      }
      return map;
    }
    f.invalid(field + " is a " + JsonValues.describe(t) + ", expected an object");
    return map;
  }

  private static String join(String position, String inner) {
    return position == null || position.isEmpty() ? inner : position + ", " + inner;
  }

  // ------------------------------------------------------------------------------------------- holders

  /** A time or duration as found: its field, its text, and whether it was a JSON number. */
  record TimeToken(String field, String text, boolean numeric) {}

  /** Everything collected from one record object before it is checked and assembled. */
  static final class RecordFields {
    boolean sawAny;
    boolean sawTraceKey;
    boolean envelope;
    boolean otlp;
    String traceColumn;
    JsonNode traceColumnNode;
    String traceId;
    String requestId;
    String clientRequestId;
    String experimentId;
    /** {@code catalog.schema} of a trace stored in a Unity Catalog schema. */
    String ucSchema;
    TimeToken requestTime;
    TimeToken timestampMs;
    TimeToken durationMs;
    TimeToken duration;
    String state;
    Map<String, String> metadata;
    Map<String, String> tags;
    List<Assessment> assessments;
    String requestPreview;
    String responsePreview;
    String dataRequest;
    String dataResponse;
    String frameRequest;
    String frameResponse;
    Integer spanCount;
    SpanFields root;
    SpanFields rootCandidate;
    long spanInputTokens;
    long spanOutputTokens;
    long spanTotalTokens;
    /** The sum of the spans' own costs ({@code mlflow.llm.cost}), and whether any span had one. */
    double spanCost;
    boolean spanCostSeen;
    /** Each span with token usage: its model and tokens. */
    final List<ModelUsage> llmUsage = new ArrayList<>();
    boolean spanUsageSeen;
    /** Every span, when the reader captures spans. */
    final List<ParsedSpan> spans = new ArrayList<>();
    String invalidField;

    void invalid(String what) {
      if (invalidField == null) {
        invalidField = what;
      }
    }

    SpanFields rootSpan() {
      return root != null ? root : rootCandidate;
    }
  }

  /** What is kept of one span: enough to be the root, and its token usage. */
  static final class SpanFields {
    boolean parentKnown;
    boolean root;
    String name;
    String inputs;
    String outputs;
    String chatUsage;
    String genAiInputTokens;
    String genAiOutputTokens;
    String llmCost;
    /** The model attributes the span has, by key. */
    final Map<String, String> models = new HashMap<>(2);
    final Map<String, String> attributes = new LinkedHashMap<>(4);

    static final String ATTR_MODEL = "mlflow.llm.model";
    static final String ATTR_GENAI_REQUEST_MODEL = "gen_ai.request.model";
    static final String ATTR_GENAI_RESPONSE_MODEL = "gen_ai.response.model";

    void addUsageTo(RecordFields f) {
      Double cost = SpanCost.total(llmCost);
      if (cost != null) {
        f.spanCostSeen = true;
        f.spanCost += cost;
      }
      TokenUsage usage = usage();
      if (usage != null) {
        f.spanUsageSeen = true;
        f.spanInputTokens += usage.input();
        f.spanOutputTokens += usage.output();
        f.spanTotalTokens += usage.total();
        f.llmUsage.add(new ModelUsage(model(), usage.input(), usage.output()));
      }
    }

    /** The span's model: MLflow's attribute, else OpenTelemetry's requested, then responded model; null if none. */
    String model() {
      for (String key : List.of(ATTR_MODEL, ATTR_GENAI_REQUEST_MODEL, ATTR_GENAI_RESPONSE_MODEL)) {
        String v = models.get(key);
        if (v != null) {
          String text = JsonValues.unquoteJsonString(v);
          if (text != null && !text.isBlank()) {
            return text;
          }
        }
      }
      return null;
    }

    /** This span's own usage: {@code mlflow.chat.tokenUsage}, else the OpenTelemetry {@code gen_ai.usage.*}. */
    TokenUsage usage() {
      if (chatUsage != null) {
        return TokenUsage.parse(chatUsage);
      }
      if (genAiInputTokens == null && genAiOutputTokens == null) {
        return null;
      }
      Long in = JsonValues.parseLong(JsonValues.unquoteJsonString(genAiInputTokens));
      Long out = JsonValues.parseLong(JsonValues.unquoteJsonString(genAiOutputTokens));
      if (in == null && out == null) {
        return null;
      }
      long i = in == null ? 0 : in;
      long o = out == null ? 0 : out;
      return new TokenUsage(i, o, i + o);
    }
  }
}
