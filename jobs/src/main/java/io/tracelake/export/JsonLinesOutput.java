package io.tracelake.export;

import io.tracelake.UserInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A JSON-lines file written whole or not at all: lines go to a hidden file beside the target, renamed over it at
 * the end, so that a crash never leaves half a file under the target's name. Any Hadoop path works (local, HDFS,
 * object stores).
 */
public final class JsonLinesOutput {

  private final FileSystem fs;
  private final Path target;

  private JsonLinesOutput(FileSystem fs, Path target) {
    this.fs = fs;
    this.target = target;
  }

  /** Checks, before any work, that {@code path} can be written: not a folder, in a folder that exists. */
  public static JsonLinesOutput at(String path, Configuration conf) {
    try {
      Path target = new Path(path);
      FileSystem fs = target.getFileSystem(conf);
      if (fs instanceof LocalFileSystem local) {
        fs = local.getRawFileSystem(); // no hidden .crc file next to a file meant for people and other tools
      }
      target = fs.makeQualified(target);
      if (fs.exists(target) && fs.getFileStatus(target).isDirectory()) {
        throw new UserInputException("Output " + path + " is a folder; give a file path");
      }
      Path parent = target.getParent();
      if (parent != null && !fs.exists(parent)) {
        throw new UserInputException("The folder of output " + path + " does not exist; create it first");
      }
      return new JsonLinesOutput(fs, target);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserInputException("Cannot write output " + path + ": " + e.getMessage());
    }
  }

  public String path() {
    return target.toString();
  }

  /** Writes every line (each without its line break) and returns how many. */
  public long write(Iterator<String> lines) {
    Path partial = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".partial");
    try {
      long n;
      try (OutputStream out = fs.create(partial, false)) {
        n = writeTo(out, lines);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(partial, target)) {
        throw new IOException("cannot rename " + partial + " to " + target);
      }
      return n;
    } catch (IOException e) {
      try {
        fs.delete(partial, false);
      } catch (IOException ignored) {
        // the partial file is hidden and named as such
      }
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Writes every line to {@code out} (left open) and returns how many. */
  public static long writeTo(OutputStream out, Iterator<String> lines) throws IOException {
    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    long n = 0;
    while (lines.hasNext()) {
      w.write(lines.next());
      w.write('\n');
      n++;
    }
    w.flush();
    return n;
  }
}
