package io.tracelake.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a {@link TracelakeConfig} in layers: {@code defaults.yaml} in the jar, then a YAML file, then Spark's
 * {@code spark.tracelake.*} entries, then {@code key.path=value} overrides. Objects merge key by key; lists and scalars replace. Unknown keys and invalid
 * values fail with a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {

  private static final String DEFAULTS = "/io/tracelake/config/defaults.yaml";
  /** Spark configuration entries under this prefix are config keys ({@code spark.tracelake.ingest.spans=false}). */
  public static final String SPARK_PREFIX = "spark.tracelake.";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ConfigLoader() {}

  public static TracelakeConfig defaults() {
    return load(null, Map.of());
  }

  /**
   * @param file a YAML file, or null for none
   * @param overrides {@code key.path → value}; a value in brackets ({@code [a, b]}) is a list
   */
  public static TracelakeConfig load(Path file, Map<String, String> overrides) {
    return load(file, Map.of(), overrides);
  }

  /**
   * The layers with Spark's configuration between the file and the overrides: {@code spark.tracelake.K=V} (as
   * {@code spark-submit --conf} or a cluster's Spark config gives it) sets config key {@code K}, and a
   * {@code --conf K=V} of the command still wins.
   *
   * @param sparkConf {@code key.path → value}, the {@code spark.tracelake.} prefix already taken off
   */
  public static TracelakeConfig load(Path file, Map<String, String> sparkConf, Map<String, String> overrides) {
    ObjectNode tree = readDefaults();
    String origin = "the defaults";
    if (file != null) {
      origin = file.toString();
      merge(tree, readFile(file), "");
    }
    for (Map.Entry<String, String> o : sparkConf.entrySet()) {
      origin = "Spark conf " + SPARK_PREFIX + o.getKey();
      try {
        merge(tree, overrideTree(o.getKey(), o.getValue()), "");
      } catch (ConfigException e) {
        throw new ConfigException(e.getMessage() + " (from " + origin + ")");
      }
    }
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      origin = "--conf " + o.getKey();
      merge(tree, overrideTree(o.getKey(), o.getValue()), "");
    }
    TracelakeConfig config = bind(tree, origin);
    validate(config);
    return config;
  }

  /** The resolved configuration on one line, for the log line at start. */
  public static String describe(TracelakeConfig config) {
    try {
      return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .writeValueAsString(config);
    } catch (JsonProcessingException e) {
      return config.toString();
    }
  }

  private static ObjectNode readDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("the built-in defaults " + DEFAULTS + " are missing from the jar", e);
    }
  }

  private static JsonNode readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Cannot read config file " + file + ": no such file");
    }
    try {
      JsonNode node = YAML.readTree(file.toFile());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return YAML.createObjectNode();
      }
      if (!node.isObject()) {
        throw new ConfigException("Cannot read config file " + file + ": expected a YAML mapping at the top");
      }
      return node;
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": "
          + e.getMessage().lines().findFirst().orElse("invalid YAML"));
    }
  }

  private static JsonNode overrideTree(String key, String value) {
    if (key.isBlank() || key.startsWith(".") || key.endsWith(".")) {
      throw new ConfigException("Invalid --conf '" + key + "=" + value + "': expected key.path=value");
    }
    String[] parts = key.split("\\.");
    ObjectNode root = YAML.createObjectNode();
    ObjectNode at = root;
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.putObject(parts[i]);
    }
    String v = value.trim();
    if (v.startsWith("[") && v.endsWith("]")) {
      ArrayNode list = at.putArray(parts[parts.length - 1]);
      for (String item : v.substring(1, v.length() - 1).split(",")) {
        if (!item.isBlank()) {
          list.add(item.trim());
        }
      }
    } else {
      at.set(parts[parts.length - 1], TextNode.valueOf(v));
    }
    return root;
  }

  private static void merge(ObjectNode into, JsonNode from, String path) {
    Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      JsonNode existing = into.get(f.getKey());
      String keyPath = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
      if (existing == null) {
        throw new ConfigException("Unknown config key '" + keyPath + "'; valid keys here: "
            + String.join(", ", fieldNames(into)));
      }
      if (existing.isObject() && f.getValue().isObject()) {
        merge((ObjectNode) existing, f.getValue(), keyPath);
      } else if (existing.isObject()) {
        throw new ConfigException("Config key '" + keyPath + "' is a section; valid keys in it: "
            + String.join(", ", fieldNames(existing)));
      } else {
        into.set(f.getKey(), f.getValue());
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static TracelakeConfig bind(ObjectNode tree, String origin) {
    try {
      return YAML.treeToValue(tree, TracelakeConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException("Unknown config key '" + e.getPropertyName() + "' (from " + origin + ")");
    } catch (MismatchedInputException e) {
      String key = e.getPath().stream().map(r -> r.getFieldName() == null ? "[" + r.getIndex() + "]"
          : r.getFieldName()).collect(Collectors.joining("."));
      throw new ConfigException("Invalid value for config key '" + key + "' (from " + origin + "): "
          + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (JsonProcessingException e) {
      throw new ConfigException("Invalid config (from " + origin + "): " + e.getOriginalMessage());
    }
  }

  private static void validate(TracelakeConfig c) {
    c.columns().byColumn().forEach((column, sources) -> {
      requireKeys("columns." + column + ".metadata", sources.metadata(), false);
      requireKeys("columns." + column + ".root_span_attributes", sources.rootSpanAttributes(), true);
      if (sources.metadata().isEmpty() && sources.rootSpanAttributes().isEmpty()) {
        throw new ConfigException("Config key 'columns." + column + "' names no metadata key or span attribute");
      }
    });
    requireKeys("flatten.metadata", c.flatten().metadata(), true);
    requireKeys("flatten.tags", c.flatten().tags(), true);
    FlattenedKeys.of(c.flatten());
    if (c.analytics().categoryTag() == null || c.analytics().categoryTag().isBlank()) {
      throw new ConfigException("Config key 'analytics.category_tag' must name a tag, e.g. query_category");
    }
    if (!TracelakeConfig.Analytics.PATH_STEPS.contains(c.analytics().pathStep())) {
      throw new ConfigException("Config key 'analytics.path_step' is '" + c.analytics().pathStep() + "'; valid: "
          + String.join(", ", TracelakeConfig.Analytics.PATH_STEPS));
    }
    validatePrices(c.cost().prices());
    requireRange("ingest.split_size_mb", c.ingest().splitSizeMb(), 1, 4096);
    requireRange("ingest.raw_max_chars", c.ingest().rawMaxChars(), 64, 1_048_576);
    requireRange("ingest.max_record_mb", c.ingest().maxRecordMb(), 1, 1024);
    requireRange("ingest.max_nesting_depth", c.ingest().maxNestingDepth(), 10, 100_000);
    validateCatalog(c.catalog());
  }

  /**
   * Each price names a model, a start date and both prices (USD, not negative); two entries of one model may not
   * start on the same date (which price would hold that day is then undefined).
   */
  private static void validatePrices(List<TracelakeConfig.Price> prices) {
    if (prices == null) {
      throw new ConfigException("Config key 'cost.prices' must be a list, e.g. [] for none");
    }
    java.util.Set<List<Object>> seen = new java.util.HashSet<>();
    for (int i = 0; i < prices.size(); i++) {
      TracelakeConfig.Price p = prices.get(i);
      String key = "cost.prices[" + i + "]";
      if (p == null || p.model() == null || p.model().isBlank()) {
        throw new ConfigException("Config key '" + key + ".model' must name a model, as spans record it in "
            + "mlflow.llm.model (e.g. gpt-4o-mini)");
      }
      try {
        p.fromDate();
      } catch (RuntimeException e) {
        throw new ConfigException("Config key '" + key + ".from' is '" + p.from() + "'; valid: a date, YYYY-MM-DD");
      }
      requirePrice(key + ".input_per_million_usd", p.inputPerMillionUsd());
      requirePrice(key + ".output_per_million_usd", p.outputPerMillionUsd());
      if (!seen.add(List.of(p.model(), p.fromDate()))) {
        throw new ConfigException("Config key 'cost.prices' has two prices for model '" + p.model() + "' from "
            + p.fromDate() + "; give each price change its own from date");
      }
    }
  }

  private static void requirePrice(String key, Double value) {
    if (value == null || value.isNaN() || value.isInfinite() || value < 0) {
      throw new ConfigException("Config key '" + key + "' is " + value + "; valid: a number of USD, 0 or more");
    }
  }

  /** Names are quoted when used, so any text is a valid name; only a catalog without a schema is incomplete. */
  static void validateCatalog(TracelakeConfig.Catalog catalog) {
    if (catalog.name() == null || catalog.schema() == null) {
      throw new ConfigException("Config keys 'catalog.name' and 'catalog.schema' must be text (blank for none)");
    }
    if (!catalog.name().isBlank() && catalog.schema().isBlank()) {
      throw new ConfigException("Config key 'catalog.name' is '" + catalog.name() + "' but 'catalog.schema' is "
          + "blank: give the schema to register the tables in (--schema S or catalog.schema)");
    }
  }

  private static void requireRange(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ConfigException("Config key '" + key + "' is " + value + "; valid: " + min + " to " + max);
    }
  }

  private static void requireKeys(String key, List<String> values, boolean mayBeEmpty) {
    if (values == null || (!mayBeEmpty && values.isEmpty())) {
      throw new ConfigException("Config key '" + key + "' must be a list of keys, e.g. [mlflow.trace.user]");
    }
    for (String v : values) {
      if (v == null || v.isBlank()) {
        throw new ConfigException("Config key '" + key + "' holds an empty key");
      }
    }
  }
}
