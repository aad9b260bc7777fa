package io.tracelake.analytics;

import java.util.List;

/** Names of the analytics tables under the warehouse folder. */
public final class AnalyticsTables {

  private AnalyticsTables() {}

  public static final String TRACES_FLAT = "traces_flat";
  public static final String DAILY_USER_ACTIVITY = "daily_user_activity";
  public static final String VERSION_BREAKDOWN = "version_breakdown";
  public static final String SESSION_TURNS = "session_turns";
  public static final String SESSIONS = "sessions";
  public static final String USER_SUMMARY = "user_summary";
  public static final String VERSION_SUMMARY = "version_summary";
  public static final String ENVIRONMENT_SUMMARY = "environment_summary";
  public static final String ACTIVE_USERS = "active_users";
  public static final String USER_RETENTION = "user_retention";
  public static final String FEEDBACK_DAILY = "feedback_daily";
  public static final String SESSION_PATHS = "session_paths";
  public static final String TURN_DROPOFF = "turn_dropoff";
  /** Written only where the warehouse has a spans table (ingest.spans, on by default). */
  public static final String SPAN_DAILY = "span_daily";

  /** The tables every analytics run writes. */
  public static List<String> all() {
    return List.of(TRACES_FLAT, DAILY_USER_ACTIVITY, VERSION_BREAKDOWN, FEEDBACK_DAILY, SESSION_TURNS, SESSIONS,
        SESSION_PATHS, TURN_DROPOFF, USER_SUMMARY, VERSION_SUMMARY, ENVIRONMENT_SUMMARY, ACTIVE_USERS,
        USER_RETENTION);
  }

  /** The tables an analytics run writes when their input exists: {@code span_daily} needs {@code spans}. */
  public static List<String> optional() {
    return List.of(SPAN_DAILY);
  }
}
