package io.tracelake.search;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.unix_millis;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.SpanColumns;
import io.tracelake.schema.TraceColumns;
import io.tracelake.search.FilterLexer.Kind;
import io.tracelake.search.FilterLexer.Token;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * MLflow search filter strings ({@code mlflow.search_traces(filter_string=...)}) turned into a Spark {@link Column}
 * over the canonical {@code traces} table. Values only ever become literals and keys only map lookups, so no input
 * reaches SQL as code. Parsing fails before any Spark job runs, with a {@link FilterException}.
 *
 * <p>Grammar (MLflow's trace search, as its SQL store parses it): clauses {@code <entity>.<key> <comparator> <value>}
 * joined by {@code AND}; entities {@code attribute/attributes/trace}, {@code tag/tags},
 * {@code metadata/request_metadata}, {@code feedback}, {@code expectation}, {@code span}, and the bare key
 * {@code prompt}; a bare key means attribute; keys with dots or spaces in backticks; values single- or double-quoted,
 * numbers unquoted, {@code IN ('a', 'b')}; {@code IS NULL} / {@code IS NOT NULL} on tags, metadata, feedback and
 * expectations. Span clauses ({@code span.name/type/status/content/attributes.<key>}) are true for a trace when one of
 * its spans matches; each clause may be matched by a different span. {@code trace.text LIKE} matches the request,
 * the response or the content of a span. Extensions: {@code OR}, parentheses, and the canonical columns as attribute
 * keys ({@code user_id, session_id, environment, app_version, deployment_id, trace_name, experiment_id, state,
 * request_date, input_tokens, output_tokens, total_tokens, span_count, request_preview, response_preview}).
 *
 * <p>A comparison on the request time also constrains {@code request_date}, so that Delta prunes date partitions.
 */
public final class TraceFilter {

  /** Longest filter accepted. */
  public static final int MAX_LENGTH = 10_000;
  private static final int MAX_DEPTH = 50;

  private enum Type { NUMBER, STRING, DATE, TAG, ASSESSMENT, SPAN, SPAN_CONTENT, SPAN_ATTRIBUTE, TEXT, PROMPT }

  private static final List<String> NUMERIC_OPS = List.of("=", "!=", "<", "<=", ">", ">=");
  private static final List<String> STRING_OPS = List.of("=", "!=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT IN");
  private static final List<String> TAG_OPS = List.of("=", "!=", "LIKE", "ILIKE", "RLIKE");
  private static final List<String> DATE_OPS = List.of("=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN");
  private static final List<String> ASSESSMENT_OPS =
      List.of("=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT IN");
  private static final List<String> SPAN_CONTENT_OPS = List.of("LIKE", "ILIKE", "RLIKE");
  private static final List<String> TEXT_OPS = List.of("LIKE", "ILIKE");
  private static final String ENTITIES =
      "attribute, attributes, trace, tag, tags, metadata, request_metadata, feedback, expectation, span, prompt";
  private static final String SPAN_KEYS = "Supported attributes: name, status, type, attributes.<attribute_name>.";
  private static final String PROMPT_FORMAT = "prompt = \"name/version\"";
  private static final String LINKED_PROMPTS = "mlflow.linkedPrompts";
  private static final ArrayType PROMPT_LIST = new ArrayType(new StructType()
      .add("name", DataTypes.StringType).add("version", DataTypes.StringType), true);

  /** Parses without a spans table: only checks span clauses, which then match every trace. */
  private static final SpanSource CHECK_ONLY = () -> null;

  /** A resolved key: its column, its type, and whether it is the request time (for partition pruning). */
  private record Field(String name, Column column, Type type, boolean requestTime) {}

  private static final Map<String, Field> ATTRIBUTES = attributes();

  private final String filter;
  private final List<Token> tokens;
  private final SpanSource spanSource;
  private Dataset<Row> spans;
  private int at;

  private TraceFilter(String filter, SpanSource spanSource) {
    this.filter = filter;
    this.tokens = FilterLexer.tokenize(filter);
    this.spanSource = spanSource;
  }

  /**
   * Checks a filter string without Spark: throws the {@link FilterException} {@link #parse(String, SpanSource)} would,
   * so that a command can fail before its Spark session starts.
   */
  public static void check(String filter) {
    parse(filter, CHECK_ONLY);
  }

  /** Parses a filter string without span clauses (a span clause is an error); null or blank means every trace. */
  public static Column parse(String filter) {
    return parse(filter, null);
  }

  /**
   * Parses a filter string into a condition on the traces table; null or blank means every trace. Span clauses
   * become {@code trace_id IN (SELECT trace_id FROM spans WHERE …)} subqueries on {@code spans.spans()}.
   */
  public static Column parse(String filter, SpanSource spans) {
    if (filter == null || filter.isBlank()) {
      return lit(true);
    }
    if (filter.length() > MAX_LENGTH) {
      throw FilterException.at(filter, MAX_LENGTH, "Filter is too long (" + filter.length() + " characters)",
          "at most " + MAX_LENGTH + " characters");
    }
    TraceFilter parser = new TraceFilter(filter, spans);
    Column c = parser.expression(0);
    Token end = parser.peek();
    if (end.kind() != Kind.END) {
      throw parser.error(end, "Invalid clause(s) in filter string: unexpected " + end.describe(),
          "AND, OR, ) or the end of the filter");
    }
    return c;
  }

  /** The attribute keys a filter or order-by may name, for messages and documentation. */
  public static Set<String> attributeKeys() {
    return ATTRIBUTES.keySet();
  }

  /** The column of an attribute key (case-insensitive), or null when there is no such key. */
  static Column attributeColumn(String key) {
    Field f = ATTRIBUTES.get(key.toLowerCase(Locale.ROOT));
    return f == null ? null : f.column();
  }

  // ------------------------------------------------------------------------------------------------ grammar

  private Column expression(int depth) {
    Column left = conjunction(depth);
    while (isWord(peek(), "OR")) {
      at++;
      left = left.or(conjunction(depth));
    }
    return left;
  }

  private Column conjunction(int depth) {
    Column left = primary(depth);
    while (isWord(peek(), "AND")) {
      at++;
      left = left.and(primary(depth));
    }
    return left;
  }

  private Column primary(int depth) {
    Token t = peek();
    if (t.kind() == Kind.LPAREN) {
      if (depth >= MAX_DEPTH) {
        throw error(t, "Parentheses nested too deeply", "at most " + MAX_DEPTH + " levels");
      }
      at++;
      Column inner = expression(depth + 1);
      Token close = peek();
      if (close.kind() != Kind.RPAREN) {
        throw error(close, "Missing ')' before " + close.describe(), "AND, OR or )");
      }
      at++;
      return inner;
    }
    return comparison();
  }

  private Column comparison() {
    Token first = peek();
    if (first.kind() == Kind.WORD && !first.text().endsWith(".") && endsClause(tokens.get(at + 1))) {
      throw error(first, "Invalid clause(s) in filter string: '" + first.text() + "'",
          "a comparison such as name = 'x'");
    }
    Field field = identifier();
    Token opToken = peek();
    String op = comparator();
    if (op.startsWith("IS ")) {
      return nullCheck(field, op, opToken);
    }
    List<String> valid = switch (field.type()) {
      case NUMBER -> NUMERIC_OPS;
      case STRING, SPAN -> STRING_OPS;
      case DATE -> DATE_OPS;
      case TAG, SPAN_ATTRIBUTE -> TAG_OPS;
      case ASSESSMENT -> ASSESSMENT_OPS;
      case SPAN_CONTENT -> SPAN_CONTENT_OPS;
      case TEXT -> TEXT_OPS;
      case PROMPT -> List.of("=");
    };
    if (!valid.contains(op)) {
      String problem = switch (field.type()) {
        case SPAN_CONTENT -> "span.content comparator '" + op + "' not one of '" + String.join(", ", valid) + "'";
        case PROMPT -> "Invalid comparator '" + op + "' for prompts filter. Only '=' is supported with format: "
            + PROMPT_FORMAT;
        default -> "Invalid comparator '" + op + "' for " + describe(field);
      };
      throw error(opToken, problem, String.join(", ", valid));
    }
    return switch (field.type()) {
      case NUMBER -> numeric(field, op);
      case STRING, TAG -> string(field.column(), op);
      case DATE -> date(field, op);
      case ASSESSMENT -> assessment(field, op);
      case SPAN, SPAN_CONTENT, SPAN_ATTRIBUTE -> spanMatch(string(field.column(), op), opToken);
      case TEXT -> text(op, opToken);
      case PROMPT -> prompt();
    };
  }

  private static boolean endsClause(Token t) {
    return t.kind() == Kind.END || t.kind() == Kind.RPAREN || isWord(t, "AND") || isWord(t, "OR");
  }

  /** {@code IS NULL} / {@code IS NOT NULL}: whether a tag or metadata key, or a valid assessment, is absent. */
  private Column nullCheck(Field field, String op, Token opToken) {
    Column present = switch (field.type()) {
      case TAG -> field.column().isNotNull();
      case ASSESSMENT -> assessmentExists(field, a -> lit(true));
      default -> throw error(opToken, op + " is not supported for " + describe(field),
          "IS NULL and IS NOT NULL on tags, metadata, feedback and expectations");
    };
    return op.equals("IS NULL") ? not(present) : present;
  }

  /** True when one of the trace's spans satisfies {@code predicate} (a condition on the spans table's columns). */
  private Column spanMatch(Column predicate, Token t) {
    if (spanSource == CHECK_ONLY) {
      return lit(true);
    }
    if (spans == null) {
      if (spanSource == null) {
        throw error(t, "Span filters need a warehouse's spans table, which this command does not read",
            "attribute, tag, metadata and assessment clauses");
      }
      try {
        spans = spanSource.spans();
      } catch (SpanSource.Missing e) {
        throw error(t, "Span filters need the spans table: " + e.getMessage(),
            "attribute, tag, metadata and assessment clauses");
      }
    }
    // trace_id IN (SELECT trace_id FROM spans WHERE predicate): uncorrelated, so no name of the spans table can be
    // taken for the outer trace's; Spark plans it as a semi join (an existence join under OR).
    return col(TraceColumns.TRACE_ID).isin(spans.where(predicate).select(col(TraceColumns.TRACE_ID)));
  }

  /** {@code trace.text LIKE v}: the request, the response, or the content of one of the spans matches. */
  private Column text(String op, Token t) {
    String value = stringValue();
    Column onTrace = coalesce(stringPredicate(col(TraceColumns.REQUEST), op, value), lit(false))
        .or(coalesce(stringPredicate(col(TraceColumns.RESPONSE), op, value), lit(false)));
    return onTrace.or(spanMatch(stringPredicate(spanContent(), op, value), t));
  }

  /** {@code prompt = "name/version"}: the trace links that version of that prompt ({@code mlflow.linkedPrompts}). */
  private Column prompt() {
    Token t = peek();
    String value = stringValue();
    String[] parts = value.split("/", -1);
    if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
      throw error(t, "Invalid prompts filter value '" + value + "'. Expected format: " + PROMPT_FORMAT,
          "a quoted name/version, e.g. \"qa-prompt/3\"");
    }
    Column linked = coalesce(col(TraceColumns.TAGS).getItem(LINKED_PROMPTS),
        col(TraceColumns.TRACE_METADATA).getItem(LINKED_PROMPTS));
    return coalesce(exists(from_json(linked, PROMPT_LIST), p -> p.getField("name").equalTo(parts[0])
        .and(p.getField("version").equalTo(parts[1]))), lit(false));
  }

  /** What {@code span.content} compares: the span's name, inputs, outputs and attributes as one text. */
  private static Column spanContent() {
    Column attributes = array_join(transform(map_entries(col(SpanColumns.ATTRIBUTES)),
        e -> concat(e.getField("key"), lit(": "), e.getField("value"))), "\n");
    return concat_ws("\n", col(SpanColumns.NAME), col(SpanColumns.INPUTS), col(SpanColumns.OUTPUTS), attributes);
  }

  private Field identifier() {
    Token t = next();
    if (t.kind() == Kind.BACKTICKED) {
      return attribute(t, t.text());
    }
    if (t.kind() != Kind.WORD || isKeyword(t.text())) {
      throw error(t, "Expected a key such as metadata.`mlflow.trace.user` or timestamp_ms, got " + t.describe(),
          "attribute, tag or metadata keys, or (");
    }
    String word = t.text();
    int dot = word.indexOf('.');
    if (dot < 0) {
      return word.equals("prompt") ? new Field("prompt", null, Type.PROMPT, false) : attribute(t, word);
    }
    String entity = word.substring(0, dot).toLowerCase(Locale.ROOT);
    String key = word.substring(dot + 1);
    if (key.isEmpty()) {
      Token quoted = next();
      if (quoted.kind() != Kind.BACKTICKED) {
        throw error(quoted, "Expected a key after '" + word + "'", "a key, or a key in backticks");
      }
      key = quoted.text();
    }
    return switch (entity) {
      case "attribute", "attributes", "trace" -> attribute(t, key);
      case "tag", "tags" -> new Field("tag '" + key + "'", col(TraceColumns.TAGS).getItem(key), Type.TAG, false);
      case "metadata", "request_metadata" -> new Field("metadata '" + key + "'",
          col(TraceColumns.TRACE_METADATA).getItem(key), Type.TAG, false);
      case "feedback", "expectation" -> new Field(entity + " '" + key + "'", lit(key), Type.ASSESSMENT, false);
      case "span" -> span(t, key);
      case "issue" -> throw error(t, "Issue filters are not supported: trace exports do not carry MLflow's links "
          + "between traces and issues", ENTITIES);
      default -> throw error(t, "Invalid entity type '" + word.substring(0, dot) + "'", ENTITIES);
    };
  }

  private Field span(Token t, String key) {
    return switch (key) {
      case "name" -> new Field("span.name", col(SpanColumns.NAME), Type.SPAN, false);
      case "type" -> new Field("span.type", col(SpanColumns.SPAN_TYPE), Type.SPAN, false);
      case "status" -> new Field("span.status", col(SpanColumns.STATUS_CODE), Type.SPAN, false);
      case "content" -> new Field("span.content", spanContent(), Type.SPAN_CONTENT, false);
      default -> {
        String attribute = key.startsWith("attributes.") ? key.substring("attributes.".length()) : null;
        if (attribute != null && attribute.isEmpty()) {
          Token quoted = next();
          if (quoted.kind() != Kind.BACKTICKED) {
            throw error(quoted, "Expected a key after 'span.attributes.'", "a key, or a key in backticks");
          }
          attribute = quoted.text();
        }
        if (attribute == null) {
          throw error(t, "Invalid span attribute '" + key + "'. " + SPAN_KEYS, "name, status, type, content, "
              + "attributes.<attribute_name>");
        }
        Column raw = col(SpanColumns.ATTRIBUTES).getItem(attribute);
        yield new Field("span.attributes." + attribute, jsonStringValue(raw), Type.SPAN_ATTRIBUTE, false);
      }
    };
  }

  /** A JSON text as a comparable value: a JSON string without its quotes, anything else as it is. */
  private static Column jsonStringValue(Column raw) {
    return when(raw.startsWith("\""), regexp_extract(raw, "(?s)^\"(.*)\"$", 1)).otherwise(raw);
  }

  private Field attribute(Token t, String key) {
    if (key.equals("text")) {
      return new Field("trace.text", null, Type.TEXT, false);
    }
    Field f = ATTRIBUTES.get(key.toLowerCase(Locale.ROOT));
    if (f == null) {
      throw error(t, "Invalid attribute key '" + key + "'", String.join(", ", ATTRIBUTES.keySet()));
    }
    return f;
  }

  private String comparator() {
    Token t = next();
    if (t.kind() == Kind.COMPARATOR) {
      return t.text();
    }
    if (t.kind() == Kind.WORD) {
      String word = t.text().toUpperCase(Locale.ROOT);
      switch (word) {
        case "LIKE", "ILIKE", "RLIKE", "IN" -> {
          return word;
        }
        case "NOT" -> {
          Token in = next();
          if (isWord(in, "IN")) {
            return "NOT IN";
          }
          throw error(in, "Expected IN after NOT, got " + in.describe(), "NOT IN");
        }
        case "IS" -> {
          Token notOrNull = next();
          boolean negated = isWord(notOrNull, "NOT");
          Token nullWord = negated ? next() : notOrNull;
          if (isWord(nullWord, "NULL")) {
            return negated ? "IS NOT NULL" : "IS NULL";
          }
          throw error(nullWord, "Expected NULL after " + (negated ? "IS NOT" : "IS") + ", got "
              + nullWord.describe(), "IS NULL, IS NOT NULL");
        }
        default -> { }
      }
    }
    throw error(t, "Invalid comparator " + t.describe(),
        "=, !=, <, <=, >, >=, LIKE, ILIKE, RLIKE, IN, NOT IN, IS NULL, IS NOT NULL");
  }

  // ----------------------------------------------------------------------------------------------- values

  private Column numeric(Field field, String op) {
    Token t = next();
    if (t.kind() != Kind.NUMBER) {
      throw error(t, "Expected a number for numeric attribute '" + field.name() + "', got " + t.describe(),
          "an unquoted number" + (field.requestTime() ? " of epoch milliseconds" : ""));
    }
    Object value = number(t);
    Column c = compare(field.column(), op, lit(value));
    if (field.requestTime()) {
      c = c.and(datePruning(op, value, t));
    }
    return c;
  }

  /** The request dates a request-time comparison allows: implied by it, so Delta can skip date partitions. */
  private Column datePruning(String op, Object ms, Token t) {
    long millis = ms instanceof Long l ? l : (long) Math.floor((Double) ms);
    if (millis < -62_135_596_800_000L || millis > 253_402_300_799_999L) {
      throw error(t, "Timestamp " + ms + " is out of range", "epoch milliseconds between years 1 and 9999");
    }
    LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    Column d = col(TraceColumns.REQUEST_DATE);
    Column day = lit(java.sql.Date.valueOf(date));
    return switch (op) {
      case ">", ">=" -> d.geq(day);
      case "<", "<=" -> d.leq(day);
      case "=" -> d.equalTo(day);
      default -> lit(true);
    };
  }

  private Column string(Column column, String op) {
    return stringPredicate(column, op, stringOperand(op));
  }

  /** The value of a string comparison: a list for IN / NOT IN, else one string (a checked regex for RLIKE). */
  private Object stringOperand(String op) {
    if (op.equals("IN") || op.equals("NOT IN")) {
      return stringList();
    }
    String value = stringValue();
    return op.equals("RLIKE") ? regex(value) : value;
  }

  private static Column stringPredicate(Column column, String op, Object value) {
    if (value instanceof List<?> values) {
      Column in = column.isin(values.toArray());
      return op.equals("IN") ? in : not(in);
    }
    String v = (String) value;
    return switch (op) {
      case "=" -> column.equalTo(lit(v));
      case "!=" -> column.notEqual(lit(v));
      case "LIKE" -> column.like(v);
      case "ILIKE" -> column.ilike(v);
      case "RLIKE" -> column.rlike(v);
      default -> throw new IllegalStateException(op);
    };
  }

  private Column date(Field field, String op) {
    if (op.equals("IN") || op.equals("NOT IN")) {
      int start = at;
      List<String> values = stringList();
      List<Object> dates = new ArrayList<>();
      for (String v : values) {
        dates.add(java.sql.Date.valueOf(parseDate(v, tokens.get(start))));
      }
      Column in = field.column().isin(dates.toArray());
      return op.equals("IN") ? in : not(in);
    }
    Token t = peek();
    LocalDate d = parseDate(stringValue(), t);
    return compare(field.column(), op, lit(java.sql.Date.valueOf(d)));
  }

  private LocalDate parseDate(String value, Token t) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw error(t, "Invalid date '" + value + "' for request_date", "a quoted date such as '2025-12-12'");
    }
  }

  /**
   * {@code feedback.<name> op value}: true when a valid assessment of that kind and name has a matching value. A
   * number compares with the value as a number; a string with the value as text (a JSON string without its quotes).
   */
  private Column assessment(Field field, String op) {
    Token valueToken = peek();
    boolean textual = List.of("LIKE", "ILIKE", "RLIKE", "IN", "NOT IN").contains(op);
    final Object value;
    if (textual || valueToken.kind() != Kind.NUMBER) {
      if (!textual && !op.equals("=") && !op.equals("!=")) {
        throw error(valueToken, "Expected a number for '" + op + "' on " + field.name(), "an unquoted number");
      }
      value = stringOperand(op);
    } else {
      value = number(next());
    }
    return assessmentExists(field, a -> {
      Column raw = a.getField("value");
      return value instanceof Number
          ? compare(raw.cast("double"), op, lit(value))
          : stringPredicate(jsonStringValue(raw), op, value);
    });
  }

  /** True when the trace has a valid assessment of the field's kind and name whose value satisfies {@code matches}. */
  private static Column assessmentExists(Field field,
      java.util.function.Function<Column, Column> matches) {
    String kind = field.name().startsWith("feedback") ? "feedback" : "expectation";
    String name = field.name().substring(kind.length() + 2, field.name().length() - 1);
    return exists(col(TraceColumns.ASSESSMENTS), a -> a.getField("kind").equalTo(kind)
        .and(a.getField("name").equalTo(name)).and(coalesce(a.getField("valid"), lit(true))).and(matches.apply(a)));
  }

  private static Column compare(Column column, String op, Column value) {
    return switch (op) {
      case "=" -> column.equalTo(value);
      case "!=" -> column.notEqual(value);
      case "<" -> column.lt(value);
      case "<=" -> column.leq(value);
      case ">" -> column.gt(value);
      case ">=" -> column.geq(value);
      default -> throw new IllegalStateException(op);
    };
  }

  private String stringValue() {
    Token t = next();
    if (t.kind() != Kind.STRING) {
      throw error(t, "Expected a quoted string value, got " + t.describe(), "a value in quotes, e.g. 'my-value'");
    }
    return t.text();
  }

  private List<String> stringList() {
    Token open = next();
    if (open.kind() != Kind.LPAREN) {
      throw error(open, "Expected '(' to start the list of IN, got " + open.describe(), "('a', 'b')");
    }
    List<String> values = new ArrayList<>();
    while (true) {
      values.add(stringValue());
      Token sep = next();
      if (sep.kind() == Kind.RPAREN) {
        return values;
      }
      if (sep.kind() != Kind.COMMA) {
        throw error(sep, "Expected ',' or ')' in the list of IN, got " + sep.describe(), ", or )");
      }
    }
  }

  private Object number(Token t) {
    String text = t.text();
    try {
      return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
    } catch (NumberFormatException e) {
      double d = Double.parseDouble(text);
      if (Double.isInfinite(d) || Double.isNaN(d)) {
        throw error(t, "Number " + text + " is out of range", "a finite number");
      }
      return d;
    }
  }

  private String regex(String value) {
    try {
      Pattern.compile(value);
      return value;
    } catch (PatternSyntaxException e) {
      throw FilterException.at(filter, tokens.get(at - 1).position(),
          "Invalid regular expression '" + value + "' (" + e.getDescription() + ")", "a Java regular expression");
    }
  }

  // ------------------------------------------------------------------------------------------------ tokens

  private Token peek() {
    return tokens.get(at);
  }

  private Token next() {
    Token t = tokens.get(at);
    if (t.kind() != Kind.END) {
      at++;
    }
    return t;
  }

  private static boolean isWord(Token t, String word) {
    return t.kind() == Kind.WORD && t.text().equalsIgnoreCase(word);
  }

  private static boolean isKeyword(String word) {
    return Set.of("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "RLIKE", "IS", "NULL")
        .contains(word.toUpperCase(Locale.ROOT));
  }

  private FilterException error(Token t, String problem, String valid) {
    return FilterException.at(filter, t.position(), problem, valid);
  }

  private static String describe(Field f) {
    return switch (f.type()) {
      case NUMBER -> "numeric attribute '" + f.name() + "'";
      case STRING -> "string attribute '" + f.name() + "'";
      case DATE -> "date attribute '" + f.name() + "'";
      case TAG, ASSESSMENT, SPAN, SPAN_CONTENT, SPAN_ATTRIBUTE, TEXT, PROMPT -> f.name();
    };
  }

  private static Map<String, Field> attributes() {
    Map<String, Field> m = new TreeMap<>();
    Column requestMs = unix_millis(col(TraceColumns.REQUEST_TIME));
    Column duration = col(TraceColumns.EXECUTION_DURATION_MS);
    for (String k : List.of("timestamp", "timestamp_ms")) {
      m.put(k, new Field(k, requestMs, Type.NUMBER, true));
    }
    for (String k : List.of("execution_time", "execution_time_ms")) {
      m.put(k, new Field(k, duration, Type.NUMBER, false));
    }
    for (String k : List.of("end_time", "end_time_ms")) {
      m.put(k, new Field(k, requestMs.plus(duration), Type.NUMBER, false));
    }
    for (String k : List.of(TraceColumns.INPUT_TOKENS, TraceColumns.OUTPUT_TOKENS, TraceColumns.TOTAL_TOKENS,
        TraceColumns.SPAN_COUNT)) {
      m.put(k, new Field(k, col(k), Type.NUMBER, false));
    }
    m.put("request_id", new Field("request_id", col(TraceColumns.TRACE_ID), Type.STRING, false));
    m.put("status", new Field("status", col(TraceColumns.STATE), Type.STRING, false));
    // MLflow searches name as the tag mlflow.traceName, with the tag comparators (so no IN).
    m.put("name", new Field("name", col(TraceColumns.TRACE_NAME), Type.TAG, false));
    m.put("run_id", new Field("run_id", col(TraceColumns.TRACE_METADATA).getItem("mlflow.sourceRun"), Type.STRING,
        false));
    for (String k : List.of(TraceColumns.TRACE_ID, TraceColumns.CLIENT_REQUEST_ID, TraceColumns.STATE,
        TraceColumns.USER_ID, TraceColumns.SESSION_ID, TraceColumns.ENVIRONMENT, TraceColumns.APP_VERSION,
        TraceColumns.DEPLOYMENT_ID, TraceColumns.TRACE_NAME, TraceColumns.EXPERIMENT_ID, TraceColumns.REQUEST_PREVIEW,
        TraceColumns.RESPONSE_PREVIEW)) {
      m.put(k, new Field(k, col(k), Type.STRING, false));
    }
    m.put(TraceColumns.REQUEST_DATE, new Field(TraceColumns.REQUEST_DATE, col(TraceColumns.REQUEST_DATE), Type.DATE,
        false));
    return m;
  }
}
