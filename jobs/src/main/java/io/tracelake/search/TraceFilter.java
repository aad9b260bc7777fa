package io.tracelake.search;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.unix_millis;
import static org.apache.spark.sql.functions.when;

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

/**
 * MLflow search filter strings ({@code mlflow.search_traces(filter_string=...)}) turned into a Spark {@link Column}
 * over the canonical {@code traces} table. Values only ever become literals and keys only map lookups, so no input
 * reaches SQL as code. Parsing fails before any Spark job runs, with a {@link FilterException}.
 *
 * <p>Grammar (MLflow's, {@code docs/trace-formats.md} section 7): clauses {@code <entity>.<key> <comparator> <value>}
 * joined by {@code AND}; entities {@code attribute/attributes/trace}, {@code tag/tags},
 * {@code metadata/request_metadata}; a bare key means attribute; keys with dots or spaces in backticks; values single-
 * or double-quoted, numbers unquoted, {@code IN ('a', 'b')}. Extensions: {@code OR}, parentheses, the canonical
 * columns as attribute keys ({@code user_id, session_id, environment, app_version, deployment_id, trace_name,
 * experiment_id, state, request_date, input_tokens, output_tokens, total_tokens, span_count, request_preview,
 * response_preview}), and {@code feedback.<name>} / {@code expectation.<name>} against valid assessments.
 *
 * <p>A comparison on the request time also constrains {@code request_date}, so that Delta prunes date partitions.
 */
public final class TraceFilter {

  /** Longest filter accepted. */
  public static final int MAX_LENGTH = 10_000;
  private static final int MAX_DEPTH = 50;

  private enum Type { NUMBER, STRING, DATE, TAG, ASSESSMENT }

  private static final List<String> NUMERIC_OPS = List.of("=", "!=", "<", "<=", ">", ">=");
  private static final List<String> STRING_OPS = List.of("=", "!=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT IN");
  private static final List<String> TAG_OPS = List.of("=", "!=", "LIKE", "ILIKE", "RLIKE");
  private static final List<String> DATE_OPS = List.of("=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN");
  private static final List<String> ASSESSMENT_OPS =
      List.of("=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT IN");
  private static final String ENTITIES =
      "attribute, attributes, trace, tag, tags, metadata, request_metadata, feedback, expectation";

  /** A resolved key: its column, its type, and whether it is the request time (for partition pruning). */
  private record Field(String name, Column column, Type type, boolean requestTime) {}

  private static final Map<String, Field> ATTRIBUTES = attributes();

  private final String filter;
  private final List<Token> tokens;
  private int at;

  private TraceFilter(String filter) {
    this.filter = filter;
    this.tokens = FilterLexer.tokenize(filter);
  }

  /** Parses a filter string; null or blank means every trace. */
  public static Column parse(String filter) {
    if (filter == null || filter.isBlank()) {
      return lit(true);
    }
    if (filter.length() > MAX_LENGTH) {
      throw FilterException.at(filter, MAX_LENGTH, "Filter is too long (" + filter.length() + " characters)",
          "at most " + MAX_LENGTH + " characters");
    }
    TraceFilter parser = new TraceFilter(filter);
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
    Field field = identifier();
    Token opToken = peek();
    String op = comparator();
    List<String> valid = switch (field.type()) {
      case NUMBER -> NUMERIC_OPS;
      case STRING -> STRING_OPS;
      case DATE -> DATE_OPS;
      case TAG -> TAG_OPS;
      case ASSESSMENT -> ASSESSMENT_OPS;
    };
    if (!valid.contains(op)) {
      throw error(opToken, "Invalid comparator '" + op + "' for " + describe(field),
          String.join(", ", valid));
    }
    return switch (field.type()) {
      case NUMBER -> numeric(field, op);
      case STRING, TAG -> string(field.column(), op);
      case DATE -> date(field, op);
      case ASSESSMENT -> assessment(field, op);
    };
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
      return attribute(t, word);
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
      case "span", "spans" -> throw error(t, "Span filters are not supported: the traces table keeps no spans",
          ENTITIES);
      default -> throw error(t, "Invalid entity type '" + word.substring(0, dot) + "'", ENTITIES);
    };
  }

  private Field attribute(Token t, String key) {
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
        default -> { }
      }
    }
    throw error(t, "Invalid comparator " + t.describe(), "=, !=, <, <=, >, >=, LIKE, ILIKE, RLIKE, IN, NOT IN");
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
    String kind = field.name().startsWith("feedback") ? "feedback" : "expectation";
    String name = field.name().substring(kind.length() + 2, field.name().length() - 1);
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
    return exists(col(TraceColumns.ASSESSMENTS), a -> {
      Column raw = a.getField("value");
      Column matches = value instanceof Number
          ? compare(raw.cast("double"), op, lit(value))
          : stringPredicate(when(raw.startsWith("\""), regexp_extract(raw, "^\"(.*)\"$", 1)).otherwise(raw), op,
              value);
      return a.getField("kind").equalTo(kind).and(a.getField("name").equalTo(name))
          .and(coalesce(a.getField("valid"), lit(true))).and(matches);
    });
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
    return Set.of("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "RLIKE").contains(word.toUpperCase(Locale.ROOT));
  }

  private FilterException error(Token t, String problem, String valid) {
    return FilterException.at(filter, t.position(), problem, valid);
  }

  private static String describe(Field f) {
    return switch (f.type()) {
      case NUMBER -> "numeric attribute '" + f.name() + "'";
      case STRING -> "string attribute '" + f.name() + "'";
      case DATE -> "date attribute '" + f.name() + "'";
      case TAG, ASSESSMENT -> f.name();
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
    m.put("name", new Field("name", col(TraceColumns.TRACE_NAME), Type.STRING, false));
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
