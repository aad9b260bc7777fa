package io.tracelake.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import io.tracelake.UserInputException;
import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import io.tracelake.schema.TraceColumns;
import io.tracelake.warehouse.TableNames;
import io.tracelake.warehouse.Warehouse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --input-table}: a Delta table in the shape of MLflow's trace unified view, as Databricks keeps traces in
 * Unity Catalog. The rows are written here by hand after the view's documented columns (Databricks, "Store MLflow
 * traces in Unity Catalog" and "Query MLflow traces using Databricks SQL",
 * https://docs.databricks.com/aws/en/mlflow3/genai/tracing/observe-with-traces/query-dbsql):
 * {@code trace_id STRING, client_request_id STRING, request_time TIMESTAMP, state STRING, execution_duration_ms
 * DECIMAL(30,9), request STRING, response STRING, trace_metadata MAP<STRING,STRING>, tags MAP<STRING,STRING>, spans
 * ARRAY<STRUCT<...>>, assessments ARRAY<STRUCT<assessment_id, assessment_name, source STRUCT<source_id,
 * source_type>, create_time, last_update_time, expectation, feedback STRUCT<value, error>, rationale, metadata,
 * span_id, overrides, valid>>}; spans as MLflow 3 writes them in OpenTelemetry form (MLflow
 * {@code mlflow/entities/span.py}, {@code Span.to_dict}). Trace ids of traces in Unity Catalog look like
 * {@code trace:/<catalog>.<schema>/<hex>} (MLflow {@code mlflow/entities/trace_location.py}).
 */
class InputTableTest {

  private static final String COLUMNS = "trace_id STRING, client_request_id STRING, request_time TIMESTAMP, "
      + "state STRING, execution_duration_ms DECIMAL(30,9), request STRING, response STRING, "
      + "trace_metadata MAP<STRING,STRING>, tags MAP<STRING,STRING>, "
      + "spans ARRAY<STRUCT<trace_id: STRING, span_id: STRING, parent_span_id: STRING, name: STRING, "
      + "start_time_unix_nano: BIGINT, end_time_unix_nano: BIGINT, attributes: MAP<STRING,STRING>, "
      + "status: STRUCT<code: STRING, message: STRING>>>, "
      + "assessments ARRAY<STRUCT<assessment_id: STRING, assessment_name: STRING, "
      + "source: STRUCT<source_id: STRING, source_type: STRING>, create_time: TIMESTAMP, "
      + "last_update_time: TIMESTAMP, expectation: STRUCT<value: STRING>, "
      + "feedback: STRUCT<value: STRING, error: STRUCT<error_code: STRING, error_message: STRING>>, "
      + "rationale: STRING, metadata: MAP<STRING,STRING>, span_id: STRING, overrides: STRING, valid: BOOLEAN>>";
  private static final String FIRST = "trace:/main.agents/0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  private static final String SECOND = "trace:/main.agents/1a1b2c3d4e5f60718293a4b5c6d7e8f9";

  private static Path table;
  private final SparkSession spark = SharedSpark.session();
  private final TracelakeConfig config = ConfigLoader.defaults();

  @BeforeAll
  static void writeTheTable() {
    SparkSession spark = SharedSpark.session();
    table = SharedSpark.tempDir("unified-view").resolve("mlflow_experiment_trace_unified");
    spark.sql("CREATE TABLE delta.`" + table + "` (" + COLUMNS + ") USING DELTA");
    spark.sql("INSERT INTO delta.`" + table + "` VALUES "
        // A finished trace: user, session, release in metadata, a category tag, a root span, a thumbs-down.
        + "('" + FIRST + "', 'req-1', TIMESTAMP '2025-12-01 23:59:30', 'OK', 1532.000000000, "
        + "'{\"messages\": [{\"role\": \"user\", \"content\": \"Where is my refund?\"}]}', '\"On its way.\"', "
        + "map('mlflow.trace.user', 'user-7', 'mlflow.trace.session', 'session-3', 'mlflow.source.type', "
        + "'production', 'app_version', '2.1.0', 'deployment_id', 'dep-9'), map('query_category', 'billing'), "
        + "array(named_struct('trace_id', 'CqsbLD1OX2BxgpOktcbX6A==', 'span_id', 'a1b2c3d4e5f60718', "
        + "'parent_span_id', CAST(NULL AS STRING), 'name', 'agent', 'start_time_unix_nano', 1764633570000000000L, "
        + "'end_time_unix_nano', 1764633571532000000L, 'attributes', map('mlflow.spanType', '\"AGENT\"', "
        + "'mlflow.spanInputs', '{\"question\": \"Where is my refund?\"}', 'mlflow.spanOutputs', '\"On its way.\"'), "
        + "'status', named_struct('code', 'STATUS_CODE_OK', 'message', ''))), "
        + "array(named_struct('assessment_id', 'a-1', 'assessment_name', 'user_satisfaction', "
        + "'source', named_struct('source_id', 'user-7', 'source_type', 'HUMAN'), "
        + "'create_time', TIMESTAMP '2025-12-02 08:00:00', 'last_update_time', TIMESTAMP '2025-12-02 08:00:00', "
        + "'expectation', CAST(NULL AS STRUCT<value: STRING>), "
        + "'feedback', named_struct('value', 'false', 'error', CAST(NULL AS STRUCT<error_code: STRING, "
        + "error_message: STRING>)), 'rationale', 'did not answer', 'metadata', CAST(NULL AS MAP<STRING,STRING>), "
        + "'span_id', CAST(NULL AS STRING), 'overrides', CAST(NULL AS STRING), 'valid', true)))"
        // A trace still in progress: no duration yet, the same session's next turn.
        + ", ('" + SECOND + "', NULL, TIMESTAMP '2025-12-02 00:00:10', 'IN_PROGRESS', NULL, '\"and now?\"', NULL, "
        + "map('mlflow.trace.user', 'user-7', 'mlflow.trace.session', 'session-3'), map(), array(), array())"
        // A row without a trace id cannot become a trace: quarantined.
        + ", (NULL, NULL, TIMESTAMP '2025-12-02 00:00:20', 'OK', 10, NULL, NULL, map(), map(), NULL, NULL)");
  }

  @Test
  void aUnifiedViewTableLoadsWithTheSameRulesAsAnExportAndAgainChangesNothing() {
    Path warehouse = SharedSpark.tempDir("unified-wh");
    IngestJob.Options options = new IngestJob.Options(List.of(), warehouse.toString(), null, false,
        List.of(table.toString()));
    IngestSummary first = IngestJob.run(spark, config, options);
    assertEquals(2, first.inserted());
    assertEquals(1, first.quarantined());
    Warehouse w = Warehouse.openForRead(spark, warehouse.toString());
    Row finished = w.read(TableNames.TRACES).where(col(TraceColumns.TRACE_ID).equalTo(FIRST)).first();
    assertEquals("user-7", finished.getAs(TraceColumns.USER_ID));
    assertEquals("session-3", finished.getAs(TraceColumns.SESSION_ID));
    assertEquals("production", finished.getAs(TraceColumns.ENVIRONMENT));
    assertEquals("2.1.0", finished.getAs(TraceColumns.APP_VERSION));
    assertEquals("dep-9", finished.getAs(TraceColumns.DEPLOYMENT_ID));
    assertEquals(LocalDate.parse("2025-12-01"), finished.getAs(TraceColumns.REQUEST_DATE), "UTC date of the time");
    assertEquals(1532L, (long) finished.getAs(TraceColumns.EXECUTION_DURATION_MS));
    assertEquals("OK", finished.getAs(TraceColumns.STATE));
    assertTrue(finished.<String>getAs(TraceColumns.SOURCE_FORMAT).startsWith("table/"), "table/<span generation>");
    List<Row> assessments = finished.getList(finished.fieldIndex(TraceColumns.ASSESSMENTS));
    assertEquals(1, assessments.size());
    assertEquals("user_satisfaction", assessments.get(0).getAs("name"));
    assertEquals("false", assessments.get(0).getAs("value"));
    assertEquals("HUMAN", assessments.get(0).getAs("source_type"));
    Row inProgress = w.read(TableNames.TRACES).where(col(TraceColumns.TRACE_ID).equalTo(SECOND)).first();
    assertEquals("IN_PROGRESS", inProgress.getAs(TraceColumns.STATE));
    assertTrue(inProgress.isNullAt(inProgress.fieldIndex(TraceColumns.EXECUTION_DURATION_MS)));
    assertEquals(1L, w.read(TableNames.SPANS).where(col(TraceColumns.TRACE_ID).equalTo(FIRST)).count());
    Row rejected = w.read(TableNames.QUARANTINE).first();
    assertEquals(table.toString(), rejected.getAs("source_file"));
    assertTrue(rejected.<String>getAs("position").contains("trace_id (none)"), rejected.toString());

    IngestSummary again = IngestJob.run(spark, config, options);
    assertEquals(0, again.inserted());
    assertEquals(0, again.updated());
    assertEquals(2, again.unchanged());
    assertEquals(2, w.read(TableNames.TRACES).count());
    assertEquals(1, w.read(TableNames.QUARANTINE).count(), "the same bad row is quarantined once");
  }

  @Test
  void aTableIsAlsoReadByItsNameInTheCatalog() {
    spark.sql("CREATE OR REPLACE TEMP VIEW mlflow_experiment_trace_unified AS SELECT * FROM delta.`" + table + "`");
    Path warehouse = SharedSpark.tempDir("unified-by-name");
    IngestSummary s = IngestJob.run(spark, config, new IngestJob.Options(List.of(), warehouse.toString(), null,
        false, List.of("mlflow_experiment_trace_unified")));
    assertEquals(2, s.inserted());
  }

  @Test
  void aTableOfAnotherShapeOrNoTableFailsWithOneLineBeforeAnythingIsWritten() {
    Path other = SharedSpark.tempDir("not-unified").resolve("t");
    spark.sql("CREATE TABLE delta.`" + other + "` (trace_id STRING, request_time TIMESTAMP, state INT) USING DELTA");
    Path warehouse = SharedSpark.tempDir("unified-refused");
    UserInputException shape = assertThrows(UserInputException.class, () -> IngestJob.run(spark, config,
        new IngestJob.Options(List.of(), warehouse.toString(), null, false, List.of(other.toString()))));
    assertEquals("Input table " + other + " is not in the shape of MLflow's trace unified view: state is INT, "
        + "expected STRING; no column tags (MAP<STRING,STRING>); no column trace_metadata (MAP<STRING,STRING>) "
        + "(it has: trace_id, request_time, state)", shape.getMessage());
    UserInputException missing = assertThrows(UserInputException.class, () -> IngestJob.run(spark, config,
        new IngestJob.Options(List.of(), warehouse.toString(), null, false, List.of("no_such_view"))));
    assertTrue(missing.getMessage().startsWith("Cannot read input table no_such_view (a table or view name of the "
        + "session's catalog): "), missing.getMessage());
    assertEquals(0, warehouse.toFile().listFiles().length, "nothing written");
  }
}
