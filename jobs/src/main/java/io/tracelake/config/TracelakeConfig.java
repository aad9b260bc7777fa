package io.tracelake.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resolved configuration. Built only by {@link ConfigLoader}, which layers the defaults in the jar, a file and
 * {@code --conf} overrides, rejects unknown keys and validates values.
 */
public record TracelakeConfig(Columns columns, Flatten flatten, Analytics analytics, Cost cost, Ingest ingest,
    Catalog catalog) {

  /** Where one identity column comes from: metadata keys first, then root span attributes. */
  public record KeySources(List<String> metadata, List<String> rootSpanAttributes) {}

  /** The five identity columns of the traces table. */
  public record Columns(KeySources userId, KeySources sessionId, KeySources environment, KeySources appVersion,
      KeySources deploymentId) {

    /** Column name → its sources, in table order. */
    public Map<String, KeySources> byColumn() {
      Map<String, KeySources> map = new LinkedHashMap<>();
      map.put("user_id", userId);
      map.put("session_id", sessionId);
      map.put("environment", environment);
      map.put("app_version", appVersion);
      map.put("deployment_id", deploymentId);
      return map;
    }

    /** Every root span attribute any column may fall back to; the reader keeps only these. */
    public List<String> rootSpanAttributeKeys() {
      Set<String> keys = new LinkedHashSet<>();
      for (KeySources s : byColumn().values()) {
        keys.addAll(s.rootSpanAttributes());
      }
      return new ArrayList<>(keys);
    }
  }

  public record Flatten(List<String> metadata, List<String> tags) {}

  /**
   * {@code categoryTag}: the tag counted as query categories; {@code pathStep}: what names a turn in session paths,
   * {@link #PATH_STEPS}.
   */
  public record Analytics(String categoryTag, String pathStep) {

    /** A turn's trace name ({@code mlflow.traceName}, else the root span's name). */
    public static final String STEP_TRACE_NAME = "trace_name";
    /** A turn's value of the category tag ({@code category_tag}). */
    public static final String STEP_CATEGORY = "category";
    public static final List<String> PATH_STEPS = List.of(STEP_TRACE_NAME, STEP_CATEGORY);
  }

  /**
   * {@code prices}: what a model costs, for traces that record no cost of their own (see
   * {@link io.tracelake.ingest.mlflow.TraceCost}).
   */
  public record Cost(List<Price> prices) {}

  /**
   * One model's price from a date on (UTC, inclusive) until the next entry of the same model: USD per million input
   * and output tokens. A price change is a new entry, so that traces before it keep the old price.
   */
  public record Price(String model, String from, Double inputPerMillionUsd, Double outputPerMillionUsd) {

    public java.time.LocalDate fromDate() {
      return java.time.LocalDate.parse(from);
    }
  }

  /** {@code spans}: whether ingest writes the spans table. */
  public record Ingest(int splitSizeMb, int rawMaxChars, int maxRecordMb, int maxNestingDepth, boolean spans) {}

  /**
   * Where the tables are also registered by name: {@code schema} in {@code name} (blank: the session's current
   * catalog). A blank schema registers nothing (tables by path only).
   */
  public record Catalog(String name, String schema) {

    public boolean enabled() {
      return schema != null && !schema.isBlank();
    }
  }

  /** This config with the tables registered in {@code schema} of {@code name} (either null: unchanged). */
  public TracelakeConfig withCatalog(String name, String schema) {
    Catalog given = new Catalog(name == null ? catalog.name() : name, schema == null ? catalog.schema() : schema);
    ConfigLoader.validateCatalog(given);
    return new TracelakeConfig(columns, flatten, analytics, cost, ingest, given);
  }
}
