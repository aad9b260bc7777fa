package io.tracelake.analytics;

import io.tracelake.SharedSpark;
import io.tracelake.schema.TraceSchemas;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/** Builds small frames in the canonical traces schema, inline, for transformation tests. */
final class TraceRows {

  private final List<Row> rows = new ArrayList<>();

  /**
   * Adds a trace. {@code time} is RFC 3339 UTC; {@code durationMs}, {@code user}, {@code session}, {@code version},
   * {@code env}, {@code category} and {@code tokens} may be null; a trace with tokens costs USD 2 per million.
   */
  TraceRows add(String id, String time, String state, Long durationMs, String user, String session, String version,
      String env, String category, Long tokens) {
    Instant t = Instant.parse(time);
    Map<String, String> tags = category == null ? Map.of() : Map.of("query_category", category);
    rows.add(RowFactory.create(id, null, "1", t, LocalDate.ofInstant(t, ZoneOffset.UTC), durationMs, state, user,
        session, env, version, null, "chat", "{\"q\": \"" + id + "\"}", "\"answer " + id + "\"", id, "answer " + id,
        CollectionConverters.asScala(Map.<String, String>of()), CollectionConverters.asScala(tags),
        tokens == null ? null : tokens / 2, tokens == null ? null : tokens - tokens / 2, tokens, 1,
        CollectionConverters.asScala(List.<Row>of()).toSeq(), "test", "test", Instant.EPOCH, 0L,
        tokens == null ? null : tokens * 0.000002, tokens == null ? null : "prices", null));
    return this;
  }

  Dataset<Row> frame() {
    return SharedSpark.session().createDataFrame(rows, TraceSchemas.TRACES);
  }
}
