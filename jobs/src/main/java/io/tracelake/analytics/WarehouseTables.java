package io.tracelake.analytics;

import io.tracelake.warehouse.TableNames;
import java.util.ArrayList;
import java.util.List;

/**
 * Every table a warehouse may hold, by name: what ingest writes, the two run ledgers, the analytics tables and the
 * evaluation datasets. One list for the commands that work on every table ({@code maintain}, {@code sql}) and for the
 * notebooks' API.
 */
public final class WarehouseTables {

  private WarehouseTables() {}

  public static List<String> all() {
    List<String> names = new ArrayList<>(List.of(TableNames.TRACES, TableNames.SPANS, TableNames.OTLP_SPANS,
        TableNames.QUARANTINE, TableNames.INGEST_RUNS, TableNames.ANALYTICS_RUNS));
    names.addAll(AnalyticsTables.all());
    names.addAll(AnalyticsTables.optional());
    names.add(TableNames.EVAL_DATASETS);
    return names;
  }
}
