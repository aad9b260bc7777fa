package io.tracelake.search;

import static org.apache.spark.sql.functions.col;

import io.tracelake.schema.TraceColumns;
import io.tracelake.search.FilterLexer.Kind;
import io.tracelake.search.FilterLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;

/**
 * MLflow {@code order_by} items, {@code "<key> [ASC|DESC]"}, as sort columns. Keys: the attribute keys of
 * {@link TraceFilter} ({@code timestamp(_ms)}, {@code execution_time(_ms)}, {@code status}, {@code request_id},
 * {@code name}, {@code run_id} and the canonical columns), optionally prefixed {@code attribute.} /
 * {@code attributes.} / {@code trace.}, or a tag or metadata key ({@code tag.fruit}, {@code metadata.`k`}). Default: {@code timestamp_ms DESC}. {@code trace_id} ascending is appended
 * last so the order is total and repeatable.
 */
public final class TraceOrder {

  private TraceOrder() {}

  public static Column[] parse(List<String> items) {
    List<Column> sort = new ArrayList<>();
    if (items == null || items.isEmpty()) {
      sort.add(col(TraceColumns.REQUEST_TIME).desc());
    } else {
      for (String item : items) {
        sort.add(item(item));
      }
    }
    sort.add(col(TraceColumns.TRACE_ID).asc());
    return sort.toArray(new Column[0]);
  }

  private static Column item(String item) {
    List<Token> tokens = FilterLexer.tokenize(item);
    Token keyToken = tokens.get(0);
    String key;
    Column mapKey = null;
    int next = 1;
    if (keyToken.kind() == Kind.BACKTICKED) {
      key = keyToken.text();
    } else if (keyToken.kind() == Kind.WORD) {
      key = keyToken.text();
      int dot = key.indexOf('.');
      if (dot >= 0) {
        String entity = key.substring(0, dot).toLowerCase(Locale.ROOT);
        key = key.substring(dot + 1);
        if (key.isEmpty() && tokens.get(1).kind() == Kind.BACKTICKED) {
          key = tokens.get(1).text();
          next = 2;
        }
        switch (entity) {
          case "attribute", "attributes", "trace" -> { }
          case "tag", "tags" -> mapKey = col(TraceColumns.TAGS).getItem(key);
          case "metadata", "request_metadata" -> mapKey = col(TraceColumns.TRACE_METADATA).getItem(key);
          default -> throw FilterException.at(item, 0, "Invalid order_by entity '" + entity + "'",
              "attribute, attributes, trace, tag, tags, metadata, request_metadata, or a bare key");
        }
      }
    } else {
      throw FilterException.at(item, keyToken.position(), "Invalid order_by clause: expected a key, got "
          + keyToken.describe(), "<key> [ASC|DESC], e.g. timestamp_ms DESC");
    }
    Column column = mapKey != null ? mapKey : TraceFilter.attributeColumn(key);
    if (column == null) {
      throw FilterException.at(item, keyToken.position(), "Invalid order_by key '" + key + "'",
          String.join(", ", TraceFilter.attributeKeys()));
    }
    Token direction = tokens.get(next);
    boolean descending = false;
    if (direction.kind() == Kind.WORD && direction.text().equalsIgnoreCase("DESC")) {
      descending = true;
      next++;
    } else if (direction.kind() == Kind.WORD && direction.text().equalsIgnoreCase("ASC")) {
      next++;
    }
    Token end = tokens.get(next);
    if (end.kind() != Kind.END) {
      throw FilterException.at(item, end.position(), "Invalid order_by clause: unexpected " + end.describe(),
          "ASC, DESC or the end of the item");
    }
    return descending ? column.desc_nulls_last() : column.asc_nulls_first();
  }
}
