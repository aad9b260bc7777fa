package io.tracelake.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The columns {@code flatten.metadata} and {@code flatten.tags} ask for, named once: {@code meta_<key>} for metadata,
 * {@code tag_<key>} for tags, the key lower-cased with every run of characters other than {@code a-z0-9} replaced by
 * one {@code _} (so {@code mlflow.source.type} becomes {@code meta_mlflow_source_type}). Two keys that map to one
 * name are a config error, found when the config is loaded, before any job runs.
 */
public final class FlattenedKeys {

  /** One configured key and the column it becomes. */
  public record Key(String column, boolean tag, String key) {}

  private FlattenedKeys() {}

  /** A safe column name for a key: lower case, runs of other characters as one underscore. */
  public static String columnName(String prefix, String key) {
    String name = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    return prefix + (name.isEmpty() ? "key" : name);
  }

  /** The configured keys in order, metadata first; fails with a {@link ConfigException} on two keys with one name. */
  public static List<Key> of(TracelakeConfig.Flatten flatten) {
    List<Key> keys = new ArrayList<>();
    Map<String, String> origin = new LinkedHashMap<>();
    for (String key : flatten.metadata()) {
      add(keys, origin, new Key(columnName("meta_", key), false, key), "flatten.metadata '" + key + "'");
    }
    for (String key : flatten.tags()) {
      add(keys, origin, new Key(columnName("tag_", key), true, key), "flatten.tags '" + key + "'");
    }
    return keys;
  }

  private static void add(List<Key> keys, Map<String, String> origin, Key key, String from) {
    String earlier = origin.putIfAbsent(key.column(), from);
    if (earlier != null) {
      throw new ConfigException("Config keys " + earlier + " and " + from + " both become column '" + key.column()
          + "'; drop one of them");
    }
    keys.add(key);
  }
}
