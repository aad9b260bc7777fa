package io.tracelake.ingest.mlflow;

import static io.tracelake.ingest.mlflow.JsonValues.stringOrJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tracelake.ingest.mlflow.TraceRecordReader.RecordFields;
import io.tracelake.ingest.mlflow.TraceRecordReader.SpanFields;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code spans} of one record for {@link TraceRecordReader}: every span is counted and its token usage
 * summed; the root's name, inputs, outputs and configured attributes are kept for the traces table; and, when asked,
 * every span becomes a {@link ParsedSpan} for the spans table. Every span generation's field names are read (3.0-3.4,
 * 3.5.0, 3.5.1+, MLflow 2's {@code context} / {@code parent_id} / {@code status_code}).
 */
final class SpanReader {

  private static final String ATTR_INPUTS = "mlflow.spanInputs";
  private static final String ATTR_OUTPUTS = "mlflow.spanOutputs";
  private static final String ATTR_SPAN_TYPE = "mlflow.spanType";
  private static final String ATTR_CHAT_USAGE = "mlflow.chat.tokenUsage";
  private static final String ATTR_GENAI_INPUT_TOKENS = "gen_ai.usage.input_tokens";
  private static final String ATTR_GENAI_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
  private static final String ATTR_LLM_COST = "mlflow.llm.cost";

  private final Set<String> rootAttributeKeys;
  private final boolean captureSpans;

  SpanReader(Set<String> rootAttributeKeys, boolean captureSpans) {
    this.rootAttributeKeys = rootAttributeKeys;
    this.captureSpans = captureSpans;
  }

  /** Reads a {@code spans} array: counts every span, keeps the root's fields and token usage (and every span). */
  void readSpans(JsonParser p, RecordFields f) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    if (f.spanCount == null) {
      f.spanCount = 0;
    }
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        readSpan(p, f);
      } else {
        p.skipChildren();
      }
      f.spanCount++;
    }
  }

  private void readSpan(JsonParser p, RecordFields f) throws IOException {
    SpanFields s = new SpanFields();
    ParsedSpan kept = captureSpans ? new ParsedSpan() : null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "parent_span_id", "parent_id" -> {
          // null (3.5.1+, MLflow 2) or "" (3.0-3.4) mark the root span.
          s.parentKnown = true;
          s.root = value == JsonToken.VALUE_NULL
              || (value == JsonToken.VALUE_STRING && p.getText().isEmpty());
          if (kept != null && value == JsonToken.VALUE_STRING) {
            kept.parentSpanId = ParsedSpan.hexId(p.getText());
          }
          p.skipChildren();
        }
        case "name" -> s.name = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "attributes" -> readSpanAttributes(p, s, kept);
        default -> {
          if (kept == null) {
            p.skipChildren();
          } else {
            readSpanField(p, name, kept);
          }
        }
      }
    }
    s.addUsageTo(f);
    if (s.parentKnown && s.root) {
      if (f.root == null) {
        f.root = s;
      }
    } else if (!s.parentKnown && f.rootCandidate == null) {
      f.rootCandidate = s;
    }
    if (kept != null) {
      kept.index = f.spans.size();
      kept.name = s.name;
      kept.inputs = s.inputs;
      kept.outputs = s.outputs;
      TokenUsage usage = s.usage();
      if (usage != null) {
        kept.inputTokens = usage.input();
        kept.outputTokens = usage.output();
        kept.totalTokens = usage.total();
      }
      kept.statusCode = ParsedSpan.statusCode(kept.statusCode);
      f.spans.add(kept);
    }
  }

  /** The span fields only the spans table needs: ids, times, status, events (every span generation's names). */
  private static void readSpanField(JsonParser p, String name, ParsedSpan kept) throws IOException {
    JsonToken value = p.currentToken();
    switch (name) {
      case "span_id" -> kept.spanId = ParsedSpan.hexId(value.isScalarValue() ? p.getText() : skip(p));
      case "context" -> {  // MLflow 2: {"span_id": "0x…", "trace_id": "0x…"}
        if (value != JsonToken.START_OBJECT) {
          p.skipChildren();
          return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String inner = p.currentName();
          JsonToken v = p.nextToken();
          if (inner.equals("span_id") && v == JsonToken.VALUE_STRING) {
            kept.spanId = ParsedSpan.hexId(p.getText());
          } else {
            p.skipChildren();
          }
        }
      }
      case "start_time_unix_nano", "start_time" -> kept.startTime = nanosInstant(p);
      case "end_time_unix_nano", "end_time" -> kept.endTime = nanosInstant(p);
      case "status" -> {
        if (value == JsonToken.START_OBJECT) {  // {"code": "STATUS_CODE_OK", "message": ""}
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken v = p.nextToken();
            if ((inner.equals("code") || inner.equals("status_code")) && v.isScalarValue()) {
              kept.statusCode = p.getText();
            } else if (inner.equals("message") && v.isScalarValue()) {
              kept.statusMessage = emptyToNull(p.getText());
            } else {
              p.skipChildren();
            }
          }
        } else if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
          kept.statusCode = p.getText();
        } else {
          p.skipChildren();
        }
      }
      case "status_code" -> kept.statusCode = value.isScalarValue() ? p.getText() : skip(p);
      case "status_message" -> kept.statusMessage = value.isScalarValue() ? emptyToNull(p.getText()) : skip(p);
      case "events" -> {
        if (value != JsonToken.START_ARRAY) {
          p.skipChildren();
          return;
        }
        int events = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          p.skipChildren();
          events++;
        }
        kept.eventCount = events;
      }
      default -> p.skipChildren();
    }
  }

  private static String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** A span time: epoch nanoseconds as a number or a string (protobuf JSON); anything else is no time. */
  private static java.time.Instant nanosInstant(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (!t.isScalarValue() || t == JsonToken.VALUE_NULL) {
      p.skipChildren();
      return null;
    }
    Long nanos = JsonValues.parseLong(p.getText());
    return nanos == null ? null : java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
        Math.floorMod(nanos, 1_000_000_000L));
  }

  private void readSpanAttributes(JsonParser p, SpanFields s, ParsedSpan kept) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    Map<String, String> all = kept == null ? null : new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      boolean mayBeRoot = !s.parentKnown || s.root || kept != null;
      switch (key) {
        case ATTR_CHAT_USAGE -> s.chatUsage = keep(all, key, stringOrJson(p));
        case ATTR_GENAI_INPUT_TOKENS -> s.genAiInputTokens = keep(all, key, stringOrJson(p));
        case ATTR_GENAI_OUTPUT_TOKENS -> s.genAiOutputTokens = keep(all, key, stringOrJson(p));
        case ATTR_LLM_COST -> s.llmCost = keep(all, key, stringOrJson(p));
        case SpanFields.ATTR_MODEL, SpanFields.ATTR_GENAI_REQUEST_MODEL, SpanFields.ATTR_GENAI_RESPONSE_MODEL ->
            s.models.put(key, keep(all, key, stringOrJson(p)));
        case ATTR_INPUTS -> {
          if (mayBeRoot) {
            s.inputs = stringOrJson(p);
          } else {
            p.skipChildren();
          }
        }
        case ATTR_OUTPUTS -> {
          if (mayBeRoot) {
            s.outputs = stringOrJson(p);
          } else {
            p.skipChildren();
          }
        }
        default -> {
          if (all != null) {
            String text = stringOrJson(p);
            if (text == null) {
              continue;
            }
            if (key.equals(ATTR_SPAN_TYPE)) {
              kept.spanType = JsonValues.unquoteJsonString(text);
              continue;
            }
            all.put(key, text);
            if ((!s.parentKnown || s.root) && rootAttributeKeys.contains(key)) {
              s.attributes.put(key, JsonValues.unquoteJsonString(text));
            }
          } else if (mayBeRoot && rootAttributeKeys.contains(key)) {
            String text = stringOrJson(p);
            if (text != null) {
              s.attributes.put(key, JsonValues.unquoteJsonString(text));
            }
          } else {
            p.skipChildren();
          }
        }
      }
    }
    if (kept != null) {
      kept.attributes = all;
      kept.model = s.model();
      kept.provider = firstAttribute(all, "mlflow.llm.provider", "gen_ai.provider.name", "gen_ai.system");
      kept.cost = SpanCost.total(s.llmCost);
    }
  }

  private static String keep(Map<String, String> all, String key, String text) {
    if (all != null && text != null) {
      all.put(key, text);
    }
    return text;
  }

  private static String firstAttribute(Map<String, String> attributes, String... keys) {
    for (String key : keys) {
      String v = attributes.get(key);
      if (v != null) {
        String text = JsonValues.unquoteJsonString(v);
        if (!text.isBlank()) {
          return text;
        }
      }
    }
    return null;
  }

}
