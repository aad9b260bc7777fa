package io.tracelake.ingest.mlflow;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Values in Spark's internal form, built once where a record is read: the parse tasks hand Spark
 * {@link InternalRow}s directly, so no per-row conversion from Java objects (which cost as much as the parse itself)
 * runs. Timestamps are microseconds since the epoch (UTC), dates days since the epoch, strings {@link UTF8String}.
 */
public final class CatalystValues {

  private CatalystValues() {}

  public static UTF8String string(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  static Long micros(Instant t) {
    return t == null ? null : DateTimeUtils.instantToMicros(t);
  }

  /** A string map, entries in the map's order; null stays null. */
  static ArrayBasedMapData map(Map<String, String> map) {
    if (map == null) {
      return null;
    }
    Object[] keys = new Object[map.size()];
    Object[] values = new Object[map.size()];
    int i = 0;
    for (Map.Entry<String, String> e : map.entrySet()) {
      keys[i] = UTF8String.fromString(e.getKey());
      values[i] = string(e.getValue());
      i++;
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
  }

  static GenericArrayData array(List<InternalRow> rows) {
    return new GenericArrayData(rows.toArray());
  }

  /** A string array. */
  static GenericArrayData strings(List<String> values) {
    Object[] out = new Object[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = string(values.get(i));
    }
    return new GenericArrayData(out);
  }

  public static InternalRow row(Object... values) {
    return new GenericInternalRow(values);
  }
}
