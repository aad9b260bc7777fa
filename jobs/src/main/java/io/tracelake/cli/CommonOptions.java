package io.tracelake.cli;

import io.tracelake.config.ConfigLoader;
import io.tracelake.config.TracelakeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** Options every Spark command takes: the config layers. */
public final class CommonOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML config file (see conf/tracelake.yaml); overrides the built-in defaults.")
  Path configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", mapFallbackValue = "",
      description = "Override one config key, e.g. --conf analytics.category_tag=topic or "
          + "--conf 'columns.user_id.metadata=[user, mlflow.trace.user]'. Repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  public TracelakeConfig load() {
    return ConfigLoader.load(configFile, overrides);
  }

  /** {@link #load}, and the resolved config logged once, as the jobs that write tables do at start. */
  public TracelakeConfig loadAndLog() {
    TracelakeConfig config = load();
    LoggerFactory.getLogger("io.tracelake").info("config: {}", ConfigLoader.describe(config));
    return config;
  }
}
