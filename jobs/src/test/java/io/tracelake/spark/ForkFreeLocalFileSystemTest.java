package io.tracelake.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracelake.SharedSpark;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;

/**
 * The local file system of Tracelake's sessions does what Hadoop's does — permissions, link statuses, renames,
 * checksum files — through {@code java.nio}, and it is the one the session's Hadoop configuration hands out.
 */
class ForkFreeLocalFileSystemTest {

  private final Configuration conf = SharedSpark.session().sparkContext().hadoopConfiguration();

  @Test
  void theSessionsFileSchemeIsTheForkFreeOneForFilesAndFileContexts() throws Exception {
    java.nio.file.Path dir = SharedSpark.tempDir("forkfree");
    assertEquals(ForkFreeLocalFileSystem.class, FileSystem.get(dir.toUri(), conf).getClass());
    FileContext context = FileContext.getFileContext(dir.toUri(), conf);
    Path from = new Path(dir.toUri().toString(), "a.json");
    Path to = new Path(dir.toUri().toString(), "b.json");
    try (FSDataOutputStream out = context.create(from, java.util.EnumSet.of(org.apache.hadoop.fs.CreateFlag.CREATE),
        Options.CreateOpts.createParent())) {
      out.write("{}".getBytes(StandardCharsets.UTF_8));
    }
    context.rename(from, to, Options.Rename.NONE);
    assertFalse(Files.exists(dir.resolve("a.json")));
    assertEquals("{}", Files.readString(dir.resolve("b.json")));
    assertTrue(Files.exists(dir.resolve(".b.json.crc")), "checksums, as Hadoop's LocalFs writes them");
  }

  @Test
  void permissionsAndLinkStatusesAreHadoops() throws Exception {
    java.nio.file.Path dir = SharedSpark.tempDir("forkfree");
    FileSystem fs = FileSystem.get(dir.toUri(), conf);
    Path file = new Path(dir.toUri().toString(), "part-0.parquet");
    fs.create(file).close();
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(
        "part-0.parquet"))), "Hadoop's default file permission under the default umask");
    fs.setPermission(file, new FsPermission((short) 0640));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(
        "part-0.parquet"))));
    fs.mkdirs(new Path(dir.toUri().toString(), "d=1"), new FsPermission((short) 0755));
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("d=1"))));

    FileStatus plain = fs.getFileLinkStatus(file);
    assertFalse(plain.isSymlink());
    assertEquals(fs.getFileStatus(file).getLen(), plain.getLen());
    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("part-0.parquet"));
    Path link = new Path(dir.toUri().toString(), "link");
    RawLocalFileSystem hadoops = new RawLocalFileSystem();
    hadoops.initialize(dir.toUri(), conf);
    assertEquals(hadoops.getFileLinkStatus(link), fs.getFileLinkStatus(link), "a link: Hadoop's own status");
    assertEquals(hadoops.getFileLinkStatus(link).isSymlink(), fs.getFileLinkStatus(link).isSymlink());
    assertThrows(FileNotFoundException.class, () -> fs.getFileLinkStatus(new Path(dir.toUri().toString(), "none")));
  }
}
