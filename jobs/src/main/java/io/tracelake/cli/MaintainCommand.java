package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.maintain.WarehouseMaintenance;
import io.tracelake.maintain.WarehouseMaintenance.TableUpkeep;
import io.tracelake.spark.Sessions;
import io.tracelake.warehouse.Warehouse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "maintain", mixinStandardHelpOptions = true,
    description = {"Compacts every table of the warehouse (OPTIMIZE: few large files per partition instead of one "
        + "or more per ingest, analytics run or watch batch), then deletes the files no version within the "
        + "retention references (VACUUM). Contents do not change. Prints each table's files before and after.",
        "Run it daily, or every few dozen watch batches, when no other job is writing (a write at the same moment "
            + "may fail with a conflict; re-running either is safe)."})
public final class MaintainCommand implements Callable<Integer> {

  @Option(names = "--warehouse", required = true, paramLabel = "DIR", description = "Warehouse folder.")
  String warehouse;

  @Option(names = "--vacuum-hours", paramLabel = "H", defaultValue = "168",
      description = "Keep the files of versions younger than H hours (default ${DEFAULT-VALUE}, Delta's 7 days): "
          + "time travel and readers still running within that window stay safe. 0 deletes every file the "
          + "current version does not use.")
  double vacuumHours;

  @Override
  public Integer call() {
    if (!(vacuumHours >= 0) || Double.isInfinite(vacuumHours)) {
      throw new UserInputException("Invalid --vacuum-hours " + vacuumHours + ": give 0 or more hours");
    }
    Warehouse wh = Warehouse.openForRead(Sessions.getOrCreate("tracelake maintain"), warehouse);
    List<TableUpkeep> tables = WarehouseMaintenance.run(wh, vacuumHours);
    System.out.print(render(wh.root(), vacuumHours, tables));
    return 0;
  }

  static String render(String root, double vacuumHours, List<TableUpkeep> tables) {
    StringBuilder out = new StringBuilder(String.format("Maintained %d table(s) of %s (vacuum kept %s hours)%n",
        tables.size(), root, vacuumHours == Math.rint(vacuumHours) ? String.valueOf((long) vacuumHours)
            : String.valueOf(vacuumHours)));
    out.append(String.format("  %-22s %21s %25s%n", "table", "files in use", "data files stored (MB)"));
    long before = 0;
    long after = 0;
    for (TableUpkeep t : tables) {
      out.append(String.format("  %-22s %,9d -> %,-8d %,9d -> %,-6d (%.1f -> %.1f)%n", t.table(),
          t.activeFilesBefore(), t.activeFilesAfter(), t.storedFilesBefore(), t.storedFilesAfter(),
          t.storedBytesBefore() / 1e6, t.storedBytesAfter() / 1e6));
      before += t.storedFilesBefore();
      after += t.storedFilesAfter();
    }
    out.append(String.format("  data files stored, all tables: %,d -> %,d%n", before, after));
    return out.toString();
  }
}
