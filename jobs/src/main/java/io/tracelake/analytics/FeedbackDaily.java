package io.tracelake.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.tracelake.schema.TraceColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code feedback_daily}: the feedback (thumbs, scores, judges' verdicts) each release got, per UTC day — what MLflow
 * shows as a trace's assessments, counted per release.
 *
 * <p>The feedback that counts is what MLflow shows: an assessment of kind {@code feedback} that is valid (MLflow
 * marks one {@code valid: false} when it is overridden; absent means valid), that no other assessment of the same
 * trace {@code overrides}, and the latest ({@code last_update_time}, then {@code create_time}, then the id) of its
 * trace, name and source (type and id): a user who changed their thumbs counts once, with the last value.
 * Expectations (ground truth) are not feedback and are left out.
 */
public final class FeedbackDaily {

  /** The feedback's name column (MLflow's {@code assessment_name}). */
  public static final String NAME = "assessment_name";
  /** The feedback's source type ({@code HUMAN}, {@code LLM_JUDGE}, {@code CODE}, ...). */
  public static final String SOURCE_TYPE = "source_type";

  private FeedbackDaily() {}

  /**
   * The feedback of a trace that counts (see the class comment), from its {@code assessments} column: an array of the
   * same structs, in their order. Computed inside each row (a trace has a handful of assessments), so that every
   * table counts feedback by this one rule without a shuffle.
   */
  public static Column counted() {
    return expr("filter(" + validFeedback("v", "o") + ", a -> NOT exists(" + validFeedback("w", "p") + ", b -> "
        + "b.name <=> a.name AND b.source_type <=> a.source_type AND b.source_id <=> a.source_id "
        + "AND " + newest("b") + " > " + newest("a") + "))");
  }

  /** SQL: the valid feedback a trace's assessments hold, none overridden (lambda variables named as given). */
  private static String validFeedback(String a, String other) {
    return "filter(array_distinct(" + TraceColumns.ASSESSMENTS + "), " + a + " -> " + a + ".kind = 'feedback' "
        + "AND coalesce(" + a + ".valid, true) AND NOT exists(" + TraceColumns.ASSESSMENTS + ", " + other + " -> "
        + "coalesce(" + other + ".overrides = " + a + ".assessment_id, false)))";
  }

  /** The order of an assessment's versions: the update time (else the creation time), the creation time, the id. */
  private static String newest(String a) {
    return "struct(coalesce(" + a + ".last_update_time, " + a + ".create_time), " + a + ".create_time, " + a
        + ".assessment_id)";
  }

  /** How many of a trace's feedback count ({@link #counted}). */
  public static Column countedFeedback() {
    return functions.coalesce(functions.size(counted()), lit(0));
  }

  /** How many of a trace's feedback that count are the boolean {@code false} (a thumbs down). */
  public static Column countedNegative() {
    return functions.coalesce(functions.size(functions.filter(counted(), a -> isNegative(a.getField("value")))),
        lit(0));
  }

  /** Whether a feedback value (JSON text) is the boolean {@code true}; {@link #isNegative} for {@code false}. */
  static Column isPositive(Column value) {
    return value.equalTo("true");
  }

  static Column isNegative(Column value) {
    return value.equalTo("false");
  }

  /** A feedback value as a number when it is a JSON number (booleans and strings: null). */
  static Column numeric(Column value) {
    return when(value.rlike("^-?[0-9]"), value.try_cast("double"));
  }

  /**
   * Input: {@code traces} rows. Grain: one row per ({@code activity_date} = the trace's UTC request date,
   * {@code app_version}, {@code environment}, {@code assessment_name}, {@code source_type}); nulls are groups of
   * their own. Output: {@code assessments} (feedback that counts, see {@link #counted}), {@code traces} (distinct
   * traces with such feedback), {@code positive} / {@code negative} (boolean values true / false),
   * {@code positive_rate} (positive / (positive + negative); null without boolean values), {@code numeric_values}
   * and {@code mean_value} (JSON numbers: how many, their mean; null without any), {@code errors} (feedback that
   * carries an error instead of a value).
   */
  public static Dataset<Row> daily(Dataset<Row> traces) {
    Column value = col("a.value");
    return traces.select(col(TraceColumns.TRACE_ID), col(TraceColumns.REQUEST_DATE), col(TraceColumns.APP_VERSION),
            col(TraceColumns.ENVIRONMENT), explode(counted()).as("a"))
        .groupBy(col(TraceColumns.REQUEST_DATE).as(DailyUserActivity.DATE), col(TraceColumns.APP_VERSION),
            col(TraceColumns.ENVIRONMENT), col("a.name").as(NAME), col("a.source_type").as(SOURCE_TYPE))
        .agg(count(lit(1)).as("assessments"),
            countDistinct(col(TraceColumns.TRACE_ID)).as("traces"),
            count(when(isPositive(value), 1)).as("positive"),
            count(when(isNegative(value), 1)).as("negative"),
            count(numeric(value)).as("numeric_values"),
            avg(numeric(value)).as("mean_value"),
            count(when(value.isNull().and(col("a.error").isNotNull()), 1)).as("errors"))
        .withColumn("positive_rate", when(col("positive").plus(col("negative")).gt(0),
            col("positive").divide(col("positive").plus(col("negative")))))
        .select(col(DailyUserActivity.DATE), col(TraceColumns.APP_VERSION), col(TraceColumns.ENVIRONMENT), col(NAME),
            col(SOURCE_TYPE), col("assessments"), col("traces"), col("positive"), col("negative"),
            col("positive_rate"), col("numeric_values"), col("mean_value"), col("errors"));
  }
}
