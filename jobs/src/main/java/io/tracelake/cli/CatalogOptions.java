package io.tracelake.cli;

import io.tracelake.config.TracelakeConfig;
import io.tracelake.warehouse.CatalogRegistration;
import io.tracelake.warehouse.Warehouse;
import picocli.CommandLine.Option;

/** {@code --catalog} and {@code --schema}: where the commands that write tables also register them by name. */
public final class CatalogOptions {

  @Option(names = "--catalog", paramLabel = "C",
      description = "Catalog to register the tables in (default: config catalog.name, else the session's current "
          + "catalog). Needs --schema.")
  String catalog;

  @Option(names = "--schema", paramLabel = "S",
      description = "Schema (database) to register every table in by name, created if missing, e.g. tracelake: "
          + "then SELECT * FROM S.sessions works in any session of this metastore (default: config catalog.schema; "
          + "none: tables by path only).")
  String schema;

  /** The config with these options in place of its {@code catalog} section's keys, checked. */
  TracelakeConfig applyTo(TracelakeConfig config) {
    return catalog == null && schema == null ? config : config.withCatalog(catalog, schema);
  }

  /** Registers the warehouse's tables when a schema is configured, and prints the line saying where. */
  static void registerIfConfigured(TracelakeConfig config, Warehouse warehouse) {
    if (config.catalog().enabled()) {
      System.out.print(CatalogRegistration.register(warehouse, config.catalog().name(), config.catalog().schema())
          .render());
    }
  }
}
