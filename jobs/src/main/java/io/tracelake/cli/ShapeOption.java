package io.tracelake.cli;

import io.tracelake.UserInputException;
import io.tracelake.ingest.files.FileShape;
import picocli.CommandLine.Option;

/** The {@code --format} option of the commands that read exports: a shape that overrides detection. */
public final class ShapeOption {

  @Option(names = "--format", paramLabel = "SHAPE", defaultValue = "auto",
      description = "Override shape detection: auto (default), jsonl, json-array, search-envelope, json-document, "
          + "otlp-json, export-import, parquet.")
  String format;

  /** The shape to read every file as; null for {@code auto} (detect each file's shape). */
  public FileShape override() {
    if (format.equals("auto")) {
      return null;
    }
    try {
      return FileShape.fromLabel(format);
    } catch (IllegalArgumentException e) {
      throw new UserInputException("Invalid --format: " + e.getMessage());
    }
  }
}
