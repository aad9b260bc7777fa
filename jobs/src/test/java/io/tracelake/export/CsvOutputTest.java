package io.tracelake.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * CSV as RFC 4180 writes it (a field with a comma, a double quote, a line feed or a carriage return in double quotes,
 * quotes doubled; Jackson quotes a few more, which RFC 4180 allows), with OWASP's guard against CSV injection (a text cell starting with {@code = + - @}, a tab or a
 * carriage return gets a leading {@code '}); numbers stay numbers, null is an empty field.
 */
class CsvOutputTest {

  @Test
  void quotesWhatRfc4180QuotesAndGuardsFormulas() throws IOException {
    List<Row> rows = List.of(
        RowFactory.create("a,b", "line\r\nbreak", "say \"hi\"", -5L, 0.25, null, true),
        RowFactory.create("=HYPERLINK(\"x\")", "+1", "-1", 7L, -1.5, "@SUM(A1)", false),
        RowFactory.create("plain", "\rstart", "\ttab", 0L, 0.0, "", null));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long written = CsvOutput.write(out, List.of("a", "b", "c", "n", "x", "z", "flag"), rows.iterator(),
        CsvOutput::allFields);
    assertEquals(3, written);
    assertEquals("a,b,c,n,x,z,flag\n"
        + "\"a,b\",\"line\r\nbreak\",\"say \"\"hi\"\"\",-5,0.25,,true\n"
        + "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-1\",7,-1.5,\"'@SUM(A1)\",false\n"
        + "plain,\"'\rstart\",\"'\ttab\",0,0.0,,\n", out.toString(StandardCharsets.UTF_8));
  }
}
