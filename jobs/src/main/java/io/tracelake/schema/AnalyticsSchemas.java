package io.tracelake.schema;

import static io.tracelake.schema.TableSpec.column;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The analytics tables as declared: every column's type and meaning, in the order the jobs write them. The analytics
 * job creates each table from here and checks that what it computed has exactly these columns and types.
 */
public final class AnalyticsSchemas {

  private AnalyticsSchemas() {}

  private static final String PANDAS_QUANTILE = "over traces with a duration, exact, linear interpolation "
      + "(pandas' Series.quantile); null when none has one";

  // Columns shared by several tables, with one wording each.
  private static StructField date() {
    return column("activity_date", DateType, "the UTC date of the traces' request_time");
  }

  private static StructField appVersion() {
    return column("app_version", StringType, "the traces' app_version (null: a group of its own)");
  }

  private static StructField environment() {
    return column("environment", StringType, "the traces' environment (null: a group of its own)");
  }

  private static List<StructField> traceFigures() {
    return List.of(
        column("interactions", LongType, "traces, every state included"),
        column("sessions", LongType, "distinct non-empty session ids"),
        column("error_count", LongType, "traces whose state is ERROR"),
        column("error_rate", DoubleType, "error_count / interactions (in-progress traces count in the denominator)"),
        column("avg_duration_ms", DoubleType, "mean execution_duration_ms over traces with a duration; null when none "
            + "has one"),
        column("p50_duration_ms", DoubleType, "median execution_duration_ms, " + PANDAS_QUANTILE),
        column("p95_duration_ms", DoubleType, "95th percentile of execution_duration_ms, " + PANDAS_QUANTILE));
  }

  private static List<StructField> tokens(String of) {
    return List.of(
        column("input_tokens", LongType, "sum of input_tokens over " + of + "; 0 when none reports usage"),
        column("output_tokens", LongType, "sum of output_tokens over " + of + "; 0 when none reports usage"),
        column("total_tokens", LongType, "sum of total_tokens over " + of + "; 0 when none reports usage"));
  }

  private static List<StructField> requestTimes() {
    return List.of(
        column("first_request_time", TimestampType, "earliest request_time"),
        column("last_request_time", TimestampType, "latest request_time"));
  }

  private static List<StructField> mergeParts() {
    return List.of(
        column("duration_count", LongType, "traces with a duration (what the summaries' averages are merged from)"),
        column("duration_sum_ms", LongType, "sum of execution_duration_ms (what the summaries' averages are merged "
            + "from)"),
        column("durations_ms", DataTypes.createArrayType(LongType, true), "every execution_duration_ms, sorted (what "
            + "the summaries' percentiles are merged from)"));
  }

  /** The feedback counts (see feedback_daily for which feedback counts) of the traces of {@code of}. */
  private static List<StructField> feedback(String of) {
    return List.of(
        column("feedback_count", LongType, "feedback on " + of + " that counts (as in feedback_daily)"),
        column("negative_feedback", LongType, "of which the boolean false (a thumbs down)"));
  }

  /** The known cost of the traces of {@code of} (see traces.cost_usd), and how many traces it is known for. */
  private static List<StructField> cost(String of) {
    return List.of(
        column(TraceColumns.COST_USD, DoubleType, "sum of cost_usd (USD) over " + of + " whose cost is known; null "
            + "when none's is"),
        column("costed_traces", LongType, "how many of " + of + " have a known cost (cost_usd): fewer than all "
            + "means part of the cost is unknown (traces.cost_source)"));
  }

  private static StructField idSet(String name, String of) {
    return column(name, DataTypes.createArrayType(StringType, true), "the distinct " + of + ", sorted (what the "
        + "summaries' distinct counts are merged from)");
  }

  private static StructType columns(Object... parts) {
    List<StructField> fields = new ArrayList<>();
    for (Object part : parts) {
      if (part instanceof StructField f) {
        fields.add(f);
      } else {
        for (Object f : (List<?>) part) {
          fields.add((StructField) f);
        }
      }
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** {@code traces_flat} without the configured columns: see {@link #flatColumn}. */
  public static final TableSpec TRACES_FLAT = new TableSpec("traces_flat",
      "one row per trace: the traces table without its payloads, with configured metadata and tags as columns, "
          + "for BI tools; partitioned by request_date",
      columns(
          column(TraceColumns.TRACE_ID, StringType, "the trace's id"),
          column(TraceColumns.REQUEST_TIME, TimestampType, "when the request arrived (UTC)"),
          column(TraceColumns.REQUEST_DATE, DateType, "the UTC date of request_time"),
          column(TraceColumns.USER_ID, StringType, "as in traces"),
          column(TraceColumns.SESSION_ID, StringType, "as in traces"),
          column(TraceColumns.ENVIRONMENT, StringType, "as in traces"),
          column(TraceColumns.APP_VERSION, StringType, "as in traces"),
          column(TraceColumns.DEPLOYMENT_ID, StringType, "as in traces"),
          column(TraceColumns.STATE, StringType, "OK, ERROR, IN_PROGRESS or STATE_UNSPECIFIED"),
          column(TraceColumns.EXECUTION_DURATION_MS, LongType, "as in traces; null while in progress"),
          column(TraceColumns.TRACE_NAME, StringType, "as in traces"),
          column(TraceColumns.INPUT_TOKENS, LongType, "as in traces"),
          column(TraceColumns.OUTPUT_TOKENS, LongType, "as in traces"),
          column(TraceColumns.TOTAL_TOKENS, LongType, "as in traces"),
          column(TraceColumns.SPAN_COUNT, IntegerType, "as in traces"),
          column(TraceColumns.REQUEST_PREVIEW, StringType, "as in traces"),
          column(TraceColumns.RESPONSE_PREVIEW, StringType, "as in traces"),
          column("category", StringType, "the value of the tag analytics.category_tag (default query_category)")),
      List.of(TraceColumns.REQUEST_DATE));

  /**
   * One configured column of {@code traces_flat}: {@code meta_<key>} for a {@code flatten.metadata} key,
   * {@code tag_<key>} for a {@code flatten.tags} key.
   */
  public static StructField flatColumn(String column, String key, boolean tag) {
    return column(column, StringType, (tag ? "the tag " : "the metadata key ") + key + " (config flatten."
        + (tag ? "tags" : "metadata") + ")");
  }

  public static final TableSpec DAILY_USER_ACTIVITY = new TableSpec("daily_user_activity",
      "one row per (activity_date, user_id): the tutorial's per-user activity, per UTC day; partitioned by "
          + "activity_date",
      columns(
          date(),
          column(TraceColumns.USER_ID, StringType, "the traces' user (null: traces without a user, a group of its "
              + "own)"),
          traceFigures(),
          tokens("the traces"),
          column("categories", DataTypes.createMapType(StringType, LongType, true), "category (tag "
              + "analytics.category_tag) -> traces; traces without the tag are left out"),
          requestTimes(),
          mergeParts(),
          idSet("session_ids", "non-empty session ids"),
          feedback("the traces"),
          cost("the traces")),
      List.of("activity_date"));

  public static final TableSpec VERSION_BREAKDOWN = new TableSpec("version_breakdown",
      "one row per (activity_date, app_version, environment): interactions and users per release, per UTC day; "
          + "partitioned by activity_date",
      columns(
          date(), appVersion(), environment(),
          traceFigures().get(0),
          column("distinct_users", LongType, "distinct users (a null user is not counted)"),
          traceFigures().subList(1, 7),
          tokens("the traces"),
          requestTimes(),
          mergeParts(),
          idSet("user_ids", "users (null left out)"),
          idSet("session_ids", "non-empty session ids"),
          column("anonymous_traces", LongType, "traces without a user (active_users counts them)"),
          cost("the traces")),
      List.of("activity_date"));

  public static final TableSpec SPAN_DAILY = new TableSpec("span_daily",
      "one row per (activity_date, app_version, environment, span_type, name, model): span calls per UTC day; "
          + "written where the warehouse has spans; partitioned by activity_date",
      columns(
          column("activity_date", DateType, "the UTC date of the span's trace"),
          column(TraceColumns.APP_VERSION, StringType, "the span's trace's app_version (null: a group of its own)"),
          column(TraceColumns.ENVIRONMENT, StringType, "the span's trace's environment (null: a group of its own)"),
          column(SpanColumns.SPAN_TYPE, StringType, "as in spans (null: a group of its own)"),
          column(SpanColumns.NAME, StringType, "the span's name"),
          column(SpanColumns.MODEL, StringType, "as in spans (null: a group of its own)"),
          column("calls", LongType, "spans"),
          column("traces", LongType, "distinct traces with such a span"),
          column("errors", LongType, "spans whose status is ERROR"),
          column("p50_duration_ms", DoubleType, "median span duration_ms, exact, linear interpolation"),
          column("p95_duration_ms", DoubleType, "95th percentile of span duration_ms, exact, linear interpolation"),
          column("input_tokens", LongType, "sum over the spans; null when no span carries it"),
          column("output_tokens", LongType, "sum over the spans; null when no span carries it"),
          column("total_tokens", LongType, "sum over the spans; null when no span carries it"),
          column("cost", DoubleType, "sum of cost (USD) over the spans; null when no span carries it"),
          column("error_rate", DoubleType, "errors / calls")),
      List.of("activity_date"));

  public static final TableSpec FEEDBACK_DAILY = new TableSpec("feedback_daily",
      "one row per (activity_date, app_version, environment, assessment_name, source_type): the feedback each "
          + "release got per UTC day, as MLflow shows it (valid, not overridden, the latest per trace, name and "
          + "source); partitioned by activity_date",
      columns(
          date(), appVersion(), environment(),
          column("assessment_name", StringType, "the feedback's name, e.g. user_satisfaction"),
          column("source_type", StringType, "who gave it: HUMAN, LLM_JUDGE, CODE, ... (null: a group of its own)"),
          column("assessments", LongType, "feedback that counts: valid, not overridden by another assessment of "
              + "the trace, the latest of its trace, name and source (type and id)"),
          column("traces", LongType, "distinct traces with such feedback"),
          column("positive", LongType, "feedback whose value is the boolean true"),
          column("negative", LongType, "feedback whose value is the boolean false"),
          column("positive_rate", DoubleType, "positive / (positive + negative); null without boolean values"),
          column("numeric_values", LongType, "feedback whose value is a number"),
          column("mean_value", DoubleType, "mean of the numeric values; null without any"),
          column("errors", LongType, "feedback that carries an error instead of a value")),
      List.of("activity_date"));

  public static final TableSpec SESSION_TURNS = new TableSpec("session_turns",
      "one row per trace that has a session: the tutorial's turn-by-turn session timeline; partitioned by "
          + "request_date",
      columns(
          column(TraceColumns.SESSION_ID, StringType, "the conversation"),
          column("turn", IntegerType, "1-based position in the session by request_time, ties by trace_id"),
          column(TraceColumns.TRACE_ID, StringType, "the trace of this turn"),
          column(TraceColumns.USER_ID, StringType, "the trace's user"),
          column(TraceColumns.REQUEST_TIME, TimestampType, "when the turn's request arrived (UTC)"),
          column("timestamp_ms", LongType, "request_time as epoch milliseconds"),
          column(TraceColumns.REQUEST_DATE, DateType, "the UTC date of request_time"),
          column("duration_ms", LongType, "the trace's execution_duration_ms; null while in progress"),
          column(TraceColumns.STATE, StringType, "the trace's state"),
          column(TraceColumns.APP_VERSION, StringType, "the trace's app_version"),
          column(TraceColumns.ENVIRONMENT, StringType, "the trace's environment"),
          column(TraceColumns.REQUEST, StringType, "the trace's request (JSON text)"),
          column(TraceColumns.RESPONSE, StringType, "the trace's response (JSON text)"),
          column(TraceColumns.REQUEST_PREVIEW, StringType, "the trace's request_preview"),
          column(TraceColumns.RESPONSE_PREVIEW, StringType, "the trace's response_preview"),
          column(TraceColumns.INPUT_TOKENS, LongType, "the trace's input_tokens"),
          column(TraceColumns.OUTPUT_TOKENS, LongType, "the trace's output_tokens"),
          column(TraceColumns.TOTAL_TOKENS, LongType, "the trace's total_tokens"),
          column("gap_ms", LongType, "from the previous turn's end (its request time plus its duration, or plus 0 "
              + "without one) to this turn's request; null for turn 1; negative when turns overlap"),
          feedback("the trace"),
          column("path_step", StringType, "what names the turn in session paths (analytics.path_step): the trace "
              + "name (mlflow.traceName, else the root span's name) by default, or the category tag"),
          column(TraceColumns.COST_USD, DoubleType, "the trace's cost_usd (null: unknown)")),
      List.of(TraceColumns.REQUEST_DATE));

  public static final TableSpec SESSIONS = new TableSpec("sessions",
      "one row per session_id: a conversation, from all of its traces; partitioned by session_date",
      columns(
          column(TraceColumns.SESSION_ID, StringType, "the conversation"),
          column(TraceColumns.USER_ID, StringType, "the first turn's user"),
          column("user_count", LongType, "distinct users (more than 1 shows a shared session id)"),
          column("start_time", TimestampType, "the first turn's request_time"),
          column("end_time", TimestampType, "latest request_time plus its duration"),
          column("session_date", DateType, "the UTC date of start_time"),
          column("turns", LongType, "traces in the session"),
          column("error_count", LongType, "turns whose state is ERROR"),
          column("error_rate", DoubleType, "error_count / turns"),
          column("total_duration_ms", LongType, "sum of the turns' durations (0 when none has one)"),
          column("avg_turn_duration_ms", DoubleType, "mean duration over turns with a duration"),
          column("app_versions", DataTypes.createArrayType(StringType, true), "the turns' app versions, sorted, "
              + "distinct"),
          column("environments", DataTypes.createArrayType(StringType, true), "the turns' environments, sorted, "
              + "distinct"),
          column("first_request", StringType, "the first turn's request (JSON text)"),
          column("last_response", StringType, "the last turn's response (JSON text)"),
          tokens("the turns"),
          column("avg_gap_ms", DoubleType, "mean gap_ms between turns (null for a one-turn session)"),
          column("p50_gap_ms", DoubleType, "median gap_ms, linear interpolation (null for a one-turn session)"),
          column("max_gap_ms", LongType, "longest gap_ms (null for a one-turn session)"),
          feedback("the turns"),
          column(TraceColumns.APP_VERSION, StringType, "the first turn's app_version: the release the session counts "
              + "under in session_paths and turn_dropoff"),
          column(TraceColumns.ENVIRONMENT, StringType, "the first turn's environment"),
          column("path", StringType, "the first five turns' path_step, joined by ' > ' ('?' for a turn without "
              + "one)"),
          cost("the turns")),
      List.of("session_date"));

  /** The release a session counts under in the session tables: its first turn's. */
  private static List<StructField> sessionRelease() {
    return List.of(
        column(TraceColumns.APP_VERSION, StringType, "the sessions' first turn's app_version (null: a group of its "
            + "own)"),
        column(TraceColumns.ENVIRONMENT, StringType, "the sessions' first turn's environment (null: a group of its "
            + "own)"));
  }

  public static final TableSpec SESSION_PATHS = new TableSpec("session_paths",
      "one row per (app_version, environment, path): the ways conversations start, from sessions (the first "
          + "turn's release); overwritten each run",
      columns(
          sessionRelease(),
          column("path", StringType, "the first five turns' path_step, joined by ' > ' (sessions.path)"),
          column("path_turns", IntegerType, "turns the path names (a session's turns, at most 5)"),
          column("sessions", LongType, "sessions that started this way"),
          column("share", DoubleType, "sessions / all sessions of the app_version and environment"),
          column("mean_turns", DoubleType, "mean turns of those sessions (all their turns, not only five)"),
          column("negative_feedback_rate", DoubleType, "share of those sessions with a negative feedback "
              + "(sessions.negative_feedback > 0)"),
          column("feedback_count", LongType, "feedback on those sessions' turns that counts (as in feedback_daily)"),
          cost("those sessions' turns")),
      List.of());

  public static final TableSpec TURN_DROPOFF = new TableSpec("turn_dropoff",
      "one row per (app_version, environment, turn): how many conversations reach each turn and how many end "
          + "there, from sessions (the first turn's release); overwritten each run",
      columns(
          sessionRelease(),
          column("turn", IntegerType, "1-based turn number, up to the longest session's"),
          column("sessions_reaching", LongType, "sessions with at least this many turns"),
          column("sessions_ending", LongType, "sessions with exactly this many turns"),
          column("continue_rate", DoubleType, "share of the sessions reaching this turn that reach the next")),
      List.of());

  public static final TableSpec USER_SUMMARY = new TableSpec("user_summary",
      "one row per user_id over all data (null for traces without a user); merged from daily_user_activity",
      columns(
          column(TraceColumns.USER_ID, StringType, "the user (null: traces without a user)"),
          column("first_seen", TimestampType, "earliest request_time"),
          column("last_seen", TimestampType, "latest request_time"),
          column("active_days", LongType, "UTC dates with at least one trace"),
          traceFigures().subList(0, 5),
          traceFigures().get(6),
          tokens("the traces"),
          column("top_category", StringType, "the most frequent category (ties: alphabetical)"),
          column("top_category_count", LongType, "traces in top_category"),
          feedback("the user's traces"),
          cost("the user's traces")),
      List.of());

  private static List<StructField> releaseFigures() {
    List<StructField> fields = new ArrayList<>();
    fields.add(column("first_seen", TimestampType, "earliest request_time"));
    fields.add(column("last_seen", TimestampType, "latest request_time"));
    fields.add(traceFigures().get(0));
    fields.add(column("distinct_users", LongType, "distinct users (a null user is not counted)"));
    fields.addAll(traceFigures().subList(1, 7));
    fields.addAll(tokens("the traces"));
    fields.addAll(cost("the traces"));
    return fields;
  }

  public static final TableSpec VERSION_SUMMARY = new TableSpec("version_summary",
      "one row per (app_version, environment) over all data; merged from version_breakdown",
      columns(appVersion(), environment(), releaseFigures()),
      List.of());

  public static final TableSpec ENVIRONMENT_SUMMARY = new TableSpec("environment_summary",
      "one row per environment over all data; merged from version_breakdown",
      columns(environment(), releaseFigures()),
      List.of());

  private static StructField scope() {
    return column("environment", StringType, "an environment, or 'ALL' for all environments together (null: traces "
        + "without one)");
  }

  public static final TableSpec ACTIVE_USERS = new TableSpec("active_users",
      "one row per (activity_date, environment), 'ALL' included, every date from the scope's first to its last with "
          + "traces: daily, weekly and monthly active users; merged from version_breakdown",
      columns(
          date(), scope(),
          column("dau", LongType, "distinct users with a trace that day (a trace without a user counts no user)"),
          column("wau", LongType, "distinct users with a trace in the 7 days ending that day"),
          column("mau", LongType, "distinct users with a trace in the 28 days ending that day"),
          column("new_users", LongType, "users whose first trace in the scope is that day"),
          column("returning_users", LongType, "dau - new_users"),
          column("stickiness", DoubleType, "dau / mau; null when mau is 0"),
          column("anonymous_traces", LongType, "traces without a user that day")),
      List.of());

  public static final TableSpec USER_RETENTION = new TableSpec("user_retention",
      "one row per (cohort_week, week_offset, environment), 'ALL' included: weekly cohorts of new users and how many "
          + "came back each later week, up to the scope's last week with traces; merged from version_breakdown",
      columns(
          column("cohort_week", DateType, "the Monday (UTC) of the week of the users' first trace in the scope"),
          column("week_offset", IntegerType, "weeks after cohort_week (0: the cohort's own week)"),
          scope(),
          column("cohort_users", LongType, "users whose first trace in the scope fell in cohort_week"),
          column("retained_users", LongType, "cohort users with a trace in the week cohort_week + week_offset"),
          column("retention_rate", DoubleType, "retained_users / cohort_users")),
      List.of());
}
