package io.tracelake.schema;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.analytics.FlatTraces;
import io.tracelake.config.ConfigLoader;
import io.tracelake.eval.EvalDatasetTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/**
 * The README's column tables are generated from the tables' declarations, so the two cannot disagree. After changing
 * a declaration, regenerate them: {@code mvn test -Dtest=TableDocsTest -Dtracelake.readme.update=true}.
 */
class TableDocsTest {

  static final List<TableSpec> DOCUMENTED = List.of(IngestTables.TRACES, IngestTables.SPANS,
      IngestTables.QUARANTINE, RunSchemas.INGEST_RUNS, RunSchemas.ANALYTICS_RUNS,
      EvalDatasetTable.SPEC, FlatTraces.spec(ConfigLoader.defaults()), AnalyticsSchemas.DAILY_USER_ACTIVITY,
      AnalyticsSchemas.VERSION_BREAKDOWN, AnalyticsSchemas.FEEDBACK_DAILY, AnalyticsSchemas.SPAN_DAILY,
      AnalyticsSchemas.SESSION_TURNS,
      AnalyticsSchemas.SESSIONS, AnalyticsSchemas.SESSION_PATHS,
      AnalyticsSchemas.TURN_DROPOFF, AnalyticsSchemas.USER_SUMMARY, AnalyticsSchemas.VERSION_SUMMARY,
      AnalyticsSchemas.ENVIRONMENT_SUMMARY, AnalyticsSchemas.ACTIVE_USERS, AnalyticsSchemas.USER_RETENTION,
      io.tracelake.ingest.otlp.OtlpSpanRows.TABLE);

  private static final String END = "<!-- end of generated columns -->";

  private static String begin(TableSpec spec) {
    return "<!-- columns of " + spec.name() + ", generated from its declaration (TableDocsTest) -->";
  }

  /** The markdown of one table's columns: name, type, meaning. */
  static String render(TableSpec spec) {
    StringBuilder out = new StringBuilder(begin(spec)).append("\n\n");
    out.append("`").append(spec.name()).append("`: ").append(spec.comment()).append(".\n\n");
    out.append("| column | type | meaning |\n|---|---|---|\n");
    for (StructField f : spec.schema().fields()) {
      out.append("| `").append(f.name()).append("` | ").append(typeName(f)).append(" | ")
          .append(f.getComment().get().replace("|", "\\|")).append(" |\n");
    }
    return out.append("\n").append(END).toString();
  }

  private static String typeName(StructField f) {
    String type = f.dataType().catalogString().replace("bigint", "long").replace(",", ", ");
    return f.nullable() ? type : type + ", not null";
  }

  @Test
  void readmeColumnTablesAreTheDeclarations() throws IOException {
    Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    String text = Files.readString(readme);
    if (Boolean.getBoolean("tracelake.readme.update")) {
      for (TableSpec spec : DOCUMENTED) {
        int from = text.indexOf(begin(spec));
        assertTrue(from >= 0, "README has a place for the columns of " + spec.name() + ": " + begin(spec));
        int to = text.indexOf(END, from) + END.length();
        text = text.substring(0, from) + render(spec) + text.substring(to);
      }
      Files.writeString(readme, text);
    }
    for (TableSpec spec : DOCUMENTED) {
      assertTrue(text.contains(render(spec)), "README's columns of " + spec.name() + " are not its declaration; "
          + "regenerate them with -Dtracelake.readme.update=true. Expected:\n" + render(spec));
    }
  }
}
