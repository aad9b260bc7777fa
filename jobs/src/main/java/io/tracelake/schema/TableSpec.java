package io.tracelake.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One warehouse table as declared: its name, a comment saying what a row is, its columns (each with a comment), its
 * partition columns and the columns Delta keeps statistics on (empty: Delta's default, the first 32). Tables are
 * created from this, the catalog shows its comments, and the README's column tables are generated from it, so the
 * three cannot disagree.
 */
public record TableSpec(String name, String comment, StructType schema, List<String> partitionColumns,
    List<String> statsColumns) {

  /** A table with Delta's default statistics. */
  public TableSpec(String name, String comment, StructType schema, List<String> partitionColumns) {
    this(name, comment, schema, partitionColumns, List.of());
  }

  public TableSpec {
    partitionColumns = List.copyOf(partitionColumns);
    statsColumns = List.copyOf(statsColumns);
    for (StructField f : schema.fields()) {
      if (!f.getComment().isDefined()) {
        throw new IllegalArgumentException("column " + name + "." + f.name() + " has no comment");
      }
    }
  }

  /**
   * A table whose columns are {@code schema}'s, each given the comment {@code comments} has for it (a schema shared
   * with code that builds its rows keeps no comments of its own); fails on a column without one.
   */
  public static TableSpec described(String name, String comment, StructType schema, Map<String, String> comments,
      List<String> partitionColumns, List<String> statsColumns) {
    List<StructField> fields = new ArrayList<>();
    for (StructField f : schema.fields()) {
      String text = comments.get(f.name());
      if (text == null) {
        throw new IllegalArgumentException("column " + name + "." + f.name() + " has no comment");
      }
      fields.add(f.withComment(text));
    }
    for (String column : comments.keySet()) {
      if (!schema.getFieldIndex(column).isDefined()) {
        throw new IllegalArgumentException("a comment for " + name + "." + column + ", which is not a column");
      }
    }
    return new TableSpec(name, comment, new StructType(fields.toArray(new StructField[0])), partitionColumns,
        statsColumns);
  }

  /** A nullable column with its comment (the text of the README's column table and of the catalog). */
  public static StructField column(String name, DataType type, String comment) {
    return new StructField(name, type, true, Metadata.empty()).withComment(comment);
  }

  /** A column that is never null. */
  public static StructField requiredColumn(String name, DataType type, String comment) {
    return new StructField(name, type, false, Metadata.empty()).withComment(comment);
  }

  /** This table with more columns after its own (e.g. the configured columns of {@code traces_flat}). */
  public TableSpec withColumns(List<StructField> more) {
    List<StructField> fields = new ArrayList<>(List.of(schema.fields()));
    fields.addAll(more);
    return new TableSpec(name, comment, new StructType(fields.toArray(new StructField[0])), partitionColumns,
        statsColumns);
  }

  /** The comment of one column. */
  public String columnComment(String column) {
    return schema.apply(column).getComment().get();
  }
}
