package io.tracelake.schema;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One warehouse table as declared: its name, a comment saying what a row is, its columns (each with a comment) and
 * its partition columns. Tables are created from this, the catalog shows its comments, and the README's column
 * tables are generated from it, so the three cannot disagree.
 */
public record TableSpec(String name, String comment, StructType schema, List<String> partitionColumns) {

  public TableSpec {
    partitionColumns = List.copyOf(partitionColumns);
    for (StructField f : schema.fields()) {
      if (!f.getComment().isDefined()) {
        throw new IllegalArgumentException("column " + name + "." + f.name() + " has no comment");
      }
    }
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
    return new TableSpec(name, comment, new StructType(fields.toArray(new StructField[0])), partitionColumns);
  }

  /** The comment of one column. */
  public String columnComment(String column) {
    return schema.apply(column).getComment().get();
  }
}
