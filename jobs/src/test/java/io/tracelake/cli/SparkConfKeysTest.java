package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.config.ConfigException;
import io.tracelake.config.TracelakeConfig;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Config keys given the way spark-submit users give settings: {@code --conf spark.tracelake.K=V}, which
 * spark-submit turns into system properties of the driver before the main class starts. They sit between the config
 * file and the command's own {@code --conf K=V}, which wins.
 */
class SparkConfKeysTest {

  @AfterEach
  void clear() {
    System.clearProperty("spark.tracelake.ingest.spans");
    System.clearProperty("spark.tracelake.analytics.category_tag");
    System.clearProperty("spark.tracelake.ingest.spanz");
  }

  private static TracelakeConfig load(Map<String, String> overrides) {
    CommonOptions options = new CommonOptions();
    options.overrides.putAll(overrides);
    return options.load();
  }

  @Test
  void aSparkTracelakeEntrySetsTheKeyAndTheCommandsConfWins() {
    System.setProperty("spark.tracelake.ingest.spans", "false");
    System.setProperty("spark.tracelake.analytics.category_tag", "topic");
    TracelakeConfig fromSpark = load(Map.of());
    assertFalse(fromSpark.ingest().spans());
    assertEquals("topic", fromSpark.analytics().categoryTag());
    TracelakeConfig commandWins = load(Map.of("ingest.spans", "true"));
    assertTrue(commandWins.ingest().spans());
    assertEquals("topic", commandWins.analytics().categoryTag());
  }

  @Test
  void anUnknownSparkTracelakeKeyIsNamedWithItsSparkName() {
    System.setProperty("spark.tracelake.ingest.spanz", "false");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of()));
    assertTrue(e.getMessage().startsWith("Unknown config key 'ingest.spanz'; valid keys here: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("(from Spark conf spark.tracelake.ingest.spanz)"), e.getMessage());
  }
}
