package io.tracelake.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tracelake.SharedSpark;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void defaultsNameTheStandardKeysWithOpenTelemetryFallbacks() {
    TracelakeConfig c = ConfigLoader.defaults();
    assertEquals(List.of("mlflow.trace.user", "user.id"), c.columns().userId().metadata());
    assertEquals(List.of("session.id", "gen_ai.conversation.id"), c.columns().sessionId().rootSpanAttributes());
    assertEquals("query_category", c.analytics().categoryTag());
    assertEquals(List.of("user.id", "session.id", "gen_ai.conversation.id"), c.columns().rootSpanAttributeKeys());
  }

  @Test
  void fileThenOverridesWin() throws IOException {
    Path file = SharedSpark.tempDir("conf").resolve("t.yaml");
    Files.writeString(file, "analytics:\n  category_tag: topic\nflatten:\n  tags: [topic, team]\n");
    TracelakeConfig c = ConfigLoader.load(file, Map.of("flatten.tags", "[team]"));
    assertEquals("topic", c.analytics().categoryTag());
    assertEquals(List.of("team"), c.flatten().tags());
    assertEquals(List.of("app_version", "deployment_id"), c.flatten().metadata(), "untouched keys keep defaults");
  }

  @Test
  void theRepositoryConfigFileIsTheDefaultsAndTheReadmeDocumentsEveryKey() throws IOException {
    Path root = Path.of(System.getProperty("tracelake.repo.root", ".."));
    assertEquals(ConfigLoader.defaults(), ConfigLoader.load(root.resolve("conf").resolve("tracelake.yaml"), Map.of()),
        "conf/tracelake.yaml holds the defaults, so that a user's copy starts from them");
    JsonNode defaults;
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/io/tracelake/config/defaults.yaml")) {
      defaults = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    List<String> keys = new ArrayList<>();
    leafKeys(defaults, "", keys);
    String readme = Files.readString(root.resolve("README.md"));
    for (String key : keys) {
      String documented = key.replaceFirst("^columns\\.[a-z_]+\\.", "columns.<column>.");
      assertTrue(readme.contains("`" + documented + "`"), "README's config table names " + documented);
    }
  }

  private static void leafKeys(JsonNode node, String path, List<String> keys) {
    if (!node.isObject()) {
      keys.add(path);
      return;
    }
    node.fields().forEachRemaining(f -> leafKeys(f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey(),
        keys));
  }

  @Test
  void unknownKeysNameTheKeyAndTheValidOnes() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("ingest.split_size", "3")));
    assertEquals("Unknown config key 'ingest.split_size'; valid keys here: split_size_mb, raw_max_chars, "
        + "max_record_mb, max_nesting_depth, spans",
        e.getMessage());
  }

  @Test
  void twoFlattenKeysThatBecomeOneColumnAreRefusedWhenTheConfigLoads() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("flatten.tags", "[Query Category, query.category]")));
    assertEquals("Config keys flatten.tags 'Query Category' and flatten.tags 'query.category' both become column "
        + "'tag_query_category'; drop one of them", e.getMessage());
  }

  @Test
  void invalidValuesAreRejected() {
    ConfigException notNumber = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("ingest.split_size_mb", "big")));
    assertTrue(notNumber.getMessage().startsWith("Invalid value for config key 'ingest.split_size_mb'"),
        notNumber.getMessage());
    ConfigException range = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("ingest.split_size_mb", "0")));
    assertEquals("Config key 'ingest.split_size_mb' is 0; valid: 1 to 4096", range.getMessage());
    ConfigException step = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("analytics.path_step", "span_name")));
    assertEquals("Config key 'analytics.path_step' is 'span_name'; valid: trace_name, category", step.getMessage());
    assertEquals("category", ConfigLoader.load(null, Map.of("analytics.path_step", "category")).analytics()
        .pathStep());
    assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("columns.user_id.metadata", "[]",
            "columns.user_id.root_span_attributes", "[]")));
  }

  @Test
  void pricesAreCheckedWhenTheConfigLoads() throws Exception {
    assertEquals(List.of(), ConfigLoader.defaults().cost().prices());
    String good = "cost:\n  prices:\n"
        + "    - {model: m, from: \"2025-01-01\", input_per_million_usd: 1, output_per_million_usd: 2.5}\n"
        + "    - {model: m, from: \"2025-03-10\", input_per_million_usd: 0.5, output_per_million_usd: 2}\n";
    TracelakeConfig loaded = ConfigLoader.load(write(good), Map.of());
    assertEquals(java.time.LocalDate.of(2025, 3, 10), loaded.cost().prices().get(1).fromDate());
    assertEquals(2.5, loaded.cost().prices().get(0).outputPerMillionUsd());

    assertEquals("Config key 'cost.prices' has two prices for model 'm' from 2025-01-01; give each price change its "
        + "own from date", loadError(good.replace("2025-03-10", "2025-01-01")));
    assertEquals("Config key 'cost.prices[1].from' is '10 March'; valid: a date, YYYY-MM-DD",
        loadError(good.replace("\"2025-03-10\"", "10 March")));
    assertEquals("Config key 'cost.prices[0].input_per_million_usd' is -1.0; valid: a number of USD, 0 or more",
        loadError(good.replace("input_per_million_usd: 1,", "input_per_million_usd: -1,")));
    assertEquals("Config key 'cost.prices[1].output_per_million_usd' is null; valid: a number of USD, 0 or more",
        loadError(good.replace(", output_per_million_usd: 2}", "}")));
    assertTrue(loadError(good.replace("{model: m,", "{model: \"\",")).startsWith(
        "Config key 'cost.prices[0].model' must name a model"));
    assertTrue(loadError(good.replace("input_per_million_usd: 1,", "input_usd: 1,"))
        .startsWith("Unknown config key 'input_usd'"));
  }

  private static Path write(String yaml) throws java.io.IOException {
    Path file = SharedSpark.tempDir("conf").resolve("prices.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static String loadError(String yaml) throws java.io.IOException {
    Path file = write(yaml);
    return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of())).getMessage();
  }

  @Test
  void missingFileIsOneClearLine() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Path.of("/nonexistent/tracelake.yaml"), Map.of()));
    assertEquals("Cannot read config file /nonexistent/tracelake.yaml: no such file", e.getMessage());
  }
}
