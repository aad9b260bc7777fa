package io.tracelake.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}) without a child process per file. Without Hadoop's native library —
 * which Spark's and Delta's Maven artifacts do not ship — {@link RawLocalFileSystem} runs {@code chmod} for every
 * file and folder it creates and {@code readlink} for every rename: 1,278 processes forked from the driver's JVM in
 * one {@code run} of the 426 sample traces (a flight recording, 2026-12-06), most of the fixed cost of each small
 * table write. This one does the same through {@code java.nio}: the same permissions, the same statuses, the same
 * checksum files. Sessions Tracelake creates use it for {@code file:} paths ({@link Sessions}); other schemes and
 * sessions Tracelake is a guest in are left alone.
 */
public final class ForkFreeLocalFileSystem extends LocalFileSystem {

  /** The {@code FileSystem} key this class is set under. */
  public static final String FILE_SYSTEM_KEY = "fs.file.impl";
  /** The {@code FileContext} key {@link Fs} is set under (Delta writes its log through a FileContext). */
  public static final String FILE_CONTEXT_KEY = "fs.AbstractFileSystem.file.impl";

  public ForkFreeLocalFileSystem() {
    super(new Raw());
  }

  /** The raw local file system with permissions set and links read in Java. */
  public static final class Raw extends RawLocalFileSystem {

    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
      Files.setPosixFilePermissions(pathToFile(path).toPath(), posix(permission));
    }

    /** A link's status as Hadoop reads it; for anything else (nearly always), the plain status, with no process. */
    @Override
    public FileStatus getFileLinkStatus(Path path) throws IOException {
      if (Files.isSymbolicLink(pathToFile(path).toPath())) {
        return super.getFileLinkStatus(path);
      }
      return getFileStatus(path);
    }
  }

  /** The {@code FileContext} side, as Hadoop's {@code LocalFs}: checksums over {@link Raw}. */
  public static final class Fs extends ChecksumFs {

    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** As Hadoop's {@code RawLocalFs}, over {@link Raw}. */
  static final class RawFs extends DelegateToFileSystem {

    RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new Raw(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    /** Local file systems validate names themselves (as Hadoop's {@code RawLocalFs}). */
    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }

  static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    add(set, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE);
    add(set, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE);
    add(set, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE);
    return set;
  }

  private static void add(Set<PosixFilePermission> set, FsAction action, PosixFilePermission read,
      PosixFilePermission write, PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      set.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      set.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      set.add(execute);
    }
  }
}
