package io.tracelake.warehouse;

import io.tracelake.Progress;
import io.tracelake.UserInputException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Registers the tables of a warehouse folder by name in the session's catalog (a Hive metastore, Unity Catalog,
 * or Spark's in-memory catalog), as external Delta tables at their folders: {@code CREATE TABLE IF NOT EXISTS
 * c.s.t USING DELTA LOCATION '…'}. The Delta log stays the one source of schema, comments and data, so registering
 * copies nothing and a later run needs no new registration for its rows; only a table new to the warehouse is
 * added. A name already registered at another location is an error, never silently re-pointed.
 */
public final class CatalogRegistration {

  /** What one registration did: the schema's qualified name, the tables it added and those already there. */
  public record Registered(String schema, List<String> added, List<String> alreadyThere) {

    public String render() {
      return String.format("Tables by name in %s: %d (%d added)%n", schema, added.size() + alreadyThere.size(),
          added.size());
    }
  }

  private CatalogRegistration() {}

  /**
   * @param catalog the catalog, or blank for the session's current one
   * @param schema the schema (database), created if it does not exist
   */
  public static Registered register(Warehouse warehouse, String catalog, String schema) {
    SparkSession spark = warehouse.spark();
    Progress progress = new Progress("catalog");
    String qualifiedSchema = (catalog == null || catalog.isBlank() ? "" : quote(catalog) + ".") + quote(schema);
    try {
      spark.sql("CREATE SCHEMA IF NOT EXISTS " + qualifiedSchema);
    } catch (Exception e) {
      throw new UserInputException("Cannot create schema " + qualifiedSchema + " in the session's catalog: "
          + firstLine(e.getMessage()));
    }
    List<String> added = new ArrayList<>();
    List<String> alreadyThere = new ArrayList<>();
    for (String table : warehouse.tables()) {
      String name = qualifiedSchema + "." + quote(table);
      String location = warehouse.path(table);
      if (!spark.catalog().tableExists(name)) {
        try {
          spark.sql("CREATE TABLE IF NOT EXISTS " + name + " USING DELTA LOCATION '" + location.replace("\\", "\\\\")
              .replace("'", "\\'") + "'");
          added.add(table);
          continue;
        } catch (Exception e) {
          if (!spark.catalog().tableExists(name)) {
            throw new UserInputException("Cannot register " + name + " at " + location + ": " + firstLine(e.getMessage()));
          }
          // another writer registered it between the check and the CREATE: check where it points
        }
      }
      requireSameLocation(spark, name, location);
      alreadyThere.add(table);
    }
    progress.stage("%d tables by name in %s (%d added)", added.size() + alreadyThere.size(), qualifiedSchema,
        added.size());
    return new Registered(qualifiedSchema, added, alreadyThere);
  }

  private static void requireSameLocation(SparkSession spark, String name, String location) {
    Row detail = spark.sql("DESCRIBE DETAIL " + name).first();
    String registered = detail.getAs("location");
    if (registered == null || !new Path(registered).toUri().normalize().equals(new Path(location).toUri().normalize())) {
      throw new UserInputException("Table " + name + " is already registered at " + registered + ", not at "
          + location + "; register this warehouse in another schema, or DROP TABLE " + name
          + " first (an external table's files stay where they are)");
    }
  }

  /** A name as a quoted identifier, so that any text (dots, dashes, back-ticks) is one name part. */
  static String quote(String part) {
    return "`" + part.replace("`", "``") + "`";
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().lines().findFirst().orElse("");
  }
}
