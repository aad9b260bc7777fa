package io.tracelake.reports;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;

import io.tracelake.schema.TraceColumns;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The release breakdown of the tutorial over all (or filtered) traces: interactions per {@code app_version}, distinct
 * users per {@code app_version}, interactions per environment. Traces without a version or environment are counted
 * under {@value #NONE}; distinct users do not count traces without a user (pandas {@code nunique} drops NaN).
 */
public record Breakdown(Map<String, Long> interactionsPerVersion, Map<String, Long> usersPerVersion,
    Map<String, Long> interactionsPerEnvironment) {

  public static final String NONE = "(none)";

  public static Breakdown compute(Dataset<Row> traces) {
    Column version = coalesce(col(TraceColumns.APP_VERSION), lit(NONE)).as("k");
    Column environment = coalesce(col(TraceColumns.ENVIRONMENT), lit(NONE)).as("k");
    Map<String, Long> interactions = new LinkedHashMap<>();
    Map<String, Long> users = new LinkedHashMap<>();
    for (Row r : traces.groupBy(version).agg(org.apache.spark.sql.functions.count(lit(1)),
        countDistinct(col(TraceColumns.USER_ID))).orderBy("k").collectAsList()) {
      interactions.put(r.getString(0), r.getLong(1));
      users.put(r.getString(0), r.getLong(2));
    }
    Map<String, Long> environments = new LinkedHashMap<>();
    for (Row r : traces.groupBy(environment).count().orderBy("k").collectAsList()) {
      environments.put(r.getString(0), r.getLong(1));
    }
    return new Breakdown(interactions, users, environments);
  }

  public String text() {
    return "Interactions per app version\n" + "=".repeat(50) + "\n" + TextTables.series(interactionsPerVersion)
        + "\nDistinct users per app version\n" + "=".repeat(50) + "\n" + TextTables.series(usersPerVersion)
        + "\nInteractions per environment\n" + "=".repeat(50) + "\n" + TextTables.series(interactionsPerEnvironment);
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("interactions_per_app_version", interactionsPerVersion);
    m.put("distinct_users_per_app_version", usersPerVersion);
    m.put("interactions_per_environment", interactionsPerEnvironment);
    return m;
  }
}
