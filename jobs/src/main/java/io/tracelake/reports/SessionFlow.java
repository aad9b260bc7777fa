package io.tracelake.reports;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.tracelake.analytics.SessionTurns;
import io.tracelake.schema.TraceColumns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The turn-by-turn timeline of one session, as the tutorial prints it: turns ordered by request time ascending (ties
 * by trace id), each with its 1-based number, timestamp in epoch milliseconds, duration, status and response.
 * Computed on the {@code traces} table with the same transformation as the {@code session_turns} table.
 */
public record SessionFlow(String sessionId, List<Turn> turns) {

  /** One turn. {@code durationMs} is null for a trace still in progress. */
  public record Turn(int turn, String traceId, String userId, long timestampMs, Long durationMs, String state,
      String response, Long gapMs) {}

  public static SessionFlow compute(Dataset<Row> traces, String sessionId) {
    Dataset<Row> turns = SessionTurns.compute(traces.where(col(TraceColumns.SESSION_ID).equalTo(lit(sessionId))))
        .orderBy("turn");
    List<Turn> list = new ArrayList<>();
    for (Row r : turns.collectAsList()) {
      list.add(new Turn(r.getInt(r.fieldIndex("turn")), r.getAs(TraceColumns.TRACE_ID), r.getAs(TraceColumns.USER_ID),
          r.getLong(r.fieldIndex("timestamp_ms")), r.getAs("duration_ms"), r.getAs(TraceColumns.STATE),
          r.getAs(TraceColumns.RESPONSE), r.getAs("gap_ms")));
    }
    return new SessionFlow(sessionId, list);
  }

  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Session ").append(sessionId).append(" Flow (").append(turns.size()).append(" turns)\n");
    out.append("=".repeat(50)).append('\n');
    for (Turn t : turns) {
      out.append(String.format("Turn %d: %d  %s  %s  %s%n", t.turn(), t.timestampMs(),
          t.durationMs() == null ? "in progress" : t.durationMs() + "ms", t.state(), preview(t.response())));
    }
    return out.toString();
  }

  private static String preview(String response) {
    if (response == null) {
      return "(no response)";
    }
    String oneLine = response.replace('\n', ' ');
    return oneLine.length() <= 100 ? oneLine : oneLine.substring(0, 100) + "...";
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("session_id", sessionId);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Turn t : turns) {
      Map<String, Object> turn = new LinkedHashMap<>();
      turn.put("turn", t.turn());
      turn.put("trace_id", t.traceId());
      turn.put("user_id", t.userId());
      turn.put("timestamp_ms", t.timestampMs());
      turn.put("duration_ms", t.durationMs());
      turn.put("status", t.state());
      turn.put("response", t.response());
      turn.put("gap_ms", t.gapMs());
      list.add(turn);
    }
    m.put("turns", list);
    return m;
  }
}
