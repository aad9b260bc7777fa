package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One assessment of a trace as read from its JSON: exactly one of {@code feedback} or {@code expectation}. The value
 * is kept as JSON text; an expectation's {@code serialized_value} is already JSON and is kept as it is.
 */
final class Assessment {

  String assessmentId;
  String name;
  String kind;
  String sourceType;
  String sourceId;
  String value;
  String error;
  String rationale;
  Instant createTime;
  Instant lastUpdateTime;
  Boolean valid;
  String overrides;
  /** The first field that could not be read, or null. */
  String invalidField;

  static Assessment read(JsonParser p) throws IOException {
    Assessment a = new Assessment();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "assessment_id" -> a.assessmentId = text(p);
        case "assessment_name", "name" -> a.name = text(p);
        case "source" -> a.readSource(p);
        // MLflow 3's Assessment object: create_time_ms, last_update_time_ms (as mlflow-export-import dumps it).
        case "create_time", "create_time_ms" -> a.createTime = a.time(p, field);
        case "last_update_time", "last_update_time_ms" -> a.lastUpdateTime = a.time(p, field);
        // A null feedback or expectation is the other kind's empty slot (an object dump has both).
        case "feedback" -> {
          if (t != JsonToken.VALUE_NULL) {
            a.readFeedback(p);
          }
        }
        case "expectation" -> {
          if (t != JsonToken.VALUE_NULL) {
            a.readExpectation(p);
          }
        }
        case "rationale" -> a.rationale = text(p);
        case "valid" -> a.valid = t == JsonToken.VALUE_NULL ? null : p.getValueAsBoolean(true);
        case "overrides" -> a.overrides = text(p);
        default -> p.skipChildren();
      }
    }
    if (a.valid == null) {
      a.valid = Boolean.TRUE; // absent means valid
    }
    return a;
  }

  private void readSource(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "source_type" -> sourceType = text(p);
        case "source_id" -> sourceId = text(p);
        default -> p.skipChildren();
      }
    }
  }

  private void readFeedback(JsonParser p) throws IOException {
    kind = "feedback";
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "value" -> value = JsonValues.jsonText(p);
        case "error" -> error = JsonValues.jsonText(p);
        default -> p.skipChildren();
      }
    }
  }

  private void readExpectation(JsonParser p) throws IOException {
    kind = "expectation";
    if (p.currentToken() != JsonToken.START_OBJECT) {
      value = JsonValues.jsonText(p);  // the value itself, as mlflow-export-import writes an ExpectationValue
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("value")) {
        value = JsonValues.jsonText(p);
      } else if (field.equals("serialized_value") && t == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String inner = p.currentName();
          p.nextToken();
          if (inner.equals("value")) {
            value = JsonValues.stringOrJson(p);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
  }

  private Instant time(JsonParser p, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (!t.isScalarValue()) {
      p.skipChildren();
      invalid(field);
      return null;
    }
    try {
      return JsonValues.parseInstant(p.getText(), t.isNumeric());
    } catch (IllegalArgumentException e) {
      invalid(field + " '" + p.getText() + "' is " + e.getMessage());
      return null;
    }
  }

  private void invalid(String what) {
    if (invalidField == null) {
      invalidField = what;
    }
  }

  private static String text(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t.isScalarValue()) {
      return p.getText();
    }
    return JsonValues.jsonText(p);
  }

  /** The row in {@link io.tracelake.schema.TraceSchemas#ASSESSMENT} order, in Spark's internal form. */
  InternalRow toInternalRow() {
    return CatalystValues.row(CatalystValues.string(assessmentId), CatalystValues.string(name),
        CatalystValues.string(kind), CatalystValues.string(sourceType), CatalystValues.string(sourceId),
        CatalystValues.string(value), CatalystValues.string(error), CatalystValues.string(rationale),
        CatalystValues.micros(createTime), CatalystValues.micros(lastUpdateTime), valid,
        CatalystValues.string(overrides));
  }
}
