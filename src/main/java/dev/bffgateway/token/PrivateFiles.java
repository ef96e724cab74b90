package dev.bffgateway.token;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Creates what holds secrets (key files, the data directory with its database) readable by the gateway's user only. */
public final class PrivateFiles {
  // Asked of the file system, not of a path's file store: Files.getFileStore throws where "/" is not a mount point
  // (a plain chroot), which would stop the gateway from starting there.
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final String OWNER_ONLY_DIRECTORY = "rwx------";

  private PrivateFiles() {
  }

  /**
   * Creates the data directory and its missing parents, owner-only (700), and makes an existing one owner-only
   * too: keys and the embedded database live there. Every command that creates it goes through here.
   */
  public static Path dataDir(Path dir) throws IOException {
    createDirectories(dir);
    if (POSIX) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(OWNER_ONLY_DIRECTORY));
    }
    return dir;
  }

  /** Creates the missing directories of dir owner-only (700); leaves existing ones as they are. */
  static void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir, ownerOnly(OWNER_ONLY_DIRECTORY));
  }

  /** Creates a new file readable and writable by its owner only (600); fails if it exists. */
  static void createFile(Path file) throws IOException {
    Files.createFile(file, ownerOnly("rw-------"));
  }

  private static FileAttribute<?>[] ownerOnly(String permissions) {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
      : new FileAttribute<?>[0];
  }
}
