package io.tracelake.export;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * Rows as CSV, streamed: a header, then one record per row, quoted as RFC 4180 says (Jackson's CSV module: a cell with
 * a comma, a quote, a line feed or a carriage return is quoted, quotes doubled). A null is an empty cell; a number or
 * boolean is written as it is. A text cell that a spreadsheet would run as a formula (it starts with {@code =},
 * {@code +}, {@code -}, {@code @}, a tab or a carriage return: OWASP's "CSV Injection") gets a leading {@code '},
 * which spreadsheets show as text; trace texts are user input.
 */
public final class CsvOutput {

  /** Leaves the stream open: the caller's (standard output stays usable after). */
  private static final CsvMapper MAPPER = CsvMapper.builder()
      .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).build();

  private CsvOutput() {}

  /**
   * Writes the header and every row the iterator gives, one at a time (memory bounded whatever the result's size).
   *
   * @param header the column names
   * @param values one row's values, in the header's order
   * @return the rows written
   */
  public static long write(OutputStream out, List<String> header, Iterator<Row> rows,
      Function<Row, List<Object>> values) throws IOException {
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    header.forEach(schema::addColumn);
    long written = 0;
    try (SequenceWriter writer = MAPPER.writer(schema.build()).writeValues(out)) {
      while (rows.hasNext()) {
        List<Object> cells = new ArrayList<>(header.size());
        for (Object v : values.apply(rows.next())) {
          cells.add(cell(v));
        }
        writer.write(cells);
        written++;
      }
    }
    return written;
  }

  /** Every field of a row, in its schema's order. */
  public static List<Object> allFields(Row r) {
    List<Object> out = new ArrayList<>(r.length());
    for (int i = 0; i < r.length(); i++) {
      out.add(r.get(i));
    }
    return out;
  }

  /** One cell's value: null as empty, numbers and booleans as they are, other values as text, guarded. */
  static Object cell(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value;
    }
    String text = value.toString();
    return !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }
}
