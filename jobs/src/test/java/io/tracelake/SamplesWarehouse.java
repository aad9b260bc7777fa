package io.tracelake;

import io.tracelake.cli.TracelakeCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's first command, {@code tracelake run --input samples}, run once per test JVM into one warehouse that
 * every class which only reads it shares (the reports, the HTML report, the launcher's read-only commands). A class
 * that writes into a warehouse builds its own, or writes into a {@link #copy}.
 */
public final class SamplesWarehouse {

  private static Path warehouse;

  private SamplesWarehouse() {}

  /** The bundled samples folder of the repository. */
  public static Path samples() {
    return Path.of(System.getProperty("tracelake.repo.root", ".."), "samples").toAbsolutePath().normalize();
  }

  /** The warehouse of the samples, built by the first call. Read it; never write into it. */
  public static synchronized Path path() {
    if (warehouse == null) {
      Path dir = SharedSpark.tempDir("wh-samples");
      SharedSpark.session();
      PrintStream original = System.out;
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      StringWriter err = new StringWriter();
      int code;
      try {
        picocli.CommandLine cli = TracelakeCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        code = cli.execute("run", "--input", samples().toString(), "--warehouse", dir.toString());
      } finally {
        System.setOut(original);
      }
      if (code != 0) {
        throw new IllegalStateException("tracelake run of the samples failed with exit code " + code + ": " + err);
      }
      warehouse = dir;
    }
    return warehouse;
  }

  /** A copy of the samples' warehouse in a fresh folder named from {@code prefix}, for a test that writes. */
  public static Path copy(String prefix) {
    Path from = path();
    Path to = SharedSpark.tempDir(prefix);
    try (var paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }
}
