package dev.bffgateway.credentials;

import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.JsonText;
import dev.bffgateway.config.ObjectReader;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.AccessDeniedException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users from a JSON file ({@code conf/users.json}): user name, PBKDF2 password hash, display name, email,
 * roles, permissions, disabled. Hashes are checked through the gateway's {@link PasswordChecks}, never on an
 * event loop; an unknown user name costs the same hashing as a wrong password at the configured cost, and a
 * user hashed at another cost is re-hashed at it on their next sign-in, so timing does not tell which names
 * exist. User names match case-insensitively.
 */
public final class UsersFileVerifier implements CredentialVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(UsersFileVerifier.class);
  /** Checked for unknown user names, so they take as long as known ones: one per cost, made once. */
  private static final Map<Integer, PasswordHash> DUMMIES = new ConcurrentHashMap<>();
  /** Rewrites of users files are one at a time in the process: each reads, changes and replaces the file. */
  private static final Object REWRITES = new Object();

  /** @param phc the hash as the file spells it */
  private record Entry(UserAccount account, PasswordHash hash, String phc) {
  }

  private final Path file;
  private final int iterations;
  private final PasswordHash dummy;
  private final Map<String, Entry> byUserName;
  private final Map<String, Entry> byId;
  private final PasswordChecks checks;
  /** Users whose re-hash could not be written: warned about once, not re-hashed at every sign-in. */
  private final Set<String> notRehashed = ConcurrentHashMap.newKeySet();

  private UsersFileVerifier(Path file, List<Entry> entries, PasswordChecks checks, int iterations) {
    Map<String, Entry> names = new HashMap<>();
    Map<String, Entry> ids = new HashMap<>();
    for (Entry entry : entries) {
      names.put(entry.account().userName().toLowerCase(Locale.ROOT), entry);
      ids.put(entry.account().id(), entry);
    }
    this.file = file;
    this.iterations = iterations;
    this.dummy = DUMMIES.computeIfAbsent(iterations, cost -> PasswordHash.parse(PasswordHash.create("not a password".toCharArray(), cost)));
    this.byUserName = new ConcurrentHashMap<>(names);
    this.byId = new ConcurrentHashMap<>(ids);
    this.checks = checks;
  }

  /**
   * Reads and validates the whole file, reporting every error with its path. Blocking.
   *
   * @param iterations the configured cost (credentials.hashIterations)
   */
  public static UsersFileVerifier load(Path file, PasswordChecks checks, int iterations) throws ConfigException {
    return new UsersFileVerifier(file, read(file), checks, iterations);
  }

  /**
   * Validates the file, for check-config. Blocking.
   *
   * @return a warning for each user hashed at another cost than {@code iterations}
   */
  public static List<String> check(Path file, int iterations) throws ConfigException {
    return read(file).stream().filter(entry -> entry.hash().iterations() != iterations)
      .map(entry -> file + ": user \"" + entry.account().userName() + "\" is hashed with " + entry.hash().iterations()
        + " iterations, not credentials.hashIterations (" + iterations + "); it is re-hashed at its next sign-in")
      .toList();
  }

  private static List<Entry> read(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read (" + e.getMessage() + ")"));
    }
    JsonObject json = JsonText.object(text, file.toString());
    List<String> errors = new ArrayList<>();
    ObjectReader root = new ObjectReader(json, "", errors);
    List<Entry> entries = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    Map<String, String> ids = new HashMap<>();
    for (ObjectReader user : root.objects("users")) {
      Entry entry = entry(user);
      if (entry == null) {
        continue;
      }
      String firstName = names.putIfAbsent(entry.account().userName().toLowerCase(Locale.ROOT), user.path());
      if (firstName != null) {
        user.error("userName", "\"" + entry.account().userName() + "\" is already the user name of " + firstName);
      }
      String firstId = ids.putIfAbsent(entry.account().id(), user.path());
      if (firstId != null) {
        user.error("id", "\"" + entry.account().id() + "\" is already the id of " + firstId);
      }
      entries.add(entry);
    }
    root.rejectUnknownKeys();
    if (!errors.isEmpty()) {
      throw new ConfigException(errors.stream().map(error -> file + ": " + error).toList());
    }
    return entries;
  }

  private static Entry entry(ObjectReader in) {
    int before = in.errorCount();
    String userName = in.requiredString("userName");
    String id = in.string("id", userName);
    String hashText = in.requiredString("passwordHash");
    PasswordHash hash = hashText == null ? null : PasswordHash.parse(hashText);
    if (hashText != null && hash == null) {
      in.error("passwordHash", "is not a $pbkdf2-sha256$i=…$salt$hash string (make one with: bff-gateway hash-password)");
    }
    String displayName = in.string("displayName", userName);
    String email = in.string("email", null);
    List<String> roles = in.strings("roles");
    List<String> permissions = in.strings("permissions");
    boolean disabled = in.bool("disabled", false);
    in.rejectUnknownKeys();
    if (in.errorCount() > before) {
      return null;
    }
    UserAccount account = new UserAccount(id, userName, displayName, email, roles == null ? List.of() : roles,
      permissions == null ? List.of() : permissions, disabled);
    return new Entry(account, hash, hashText);
  }

  /** How many users the file holds, disabled ones included. */
  public int userCount() {
    return byId.size();
  }

  @Override
  public Future<Optional<UserAccount>> verify(String userName, String password) {
    String key = userName.toLowerCase(Locale.ROOT);
    Entry entry = byUserName.get(key);
    return checks.run(() -> {
      char[] chars = password.toCharArray();
      try {
        boolean matches = (entry == null ? dummy : entry.hash()).matches(chars);
        if (entry == null || !matches || entry.account().disabled()) {
          return Optional.<UserAccount>empty();
        }
        if (entry.hash().iterations() != iterations && !notRehashed.contains(key)) {
          rehash(key, entry, chars);
        }
        return Optional.of(entry.account());
      } finally {
        Arrays.fill(chars, '\0');
      }
    });
  }

  /**
   * Replaces the user's hash with one at the configured cost: in the file (a new file beside it, moved over it
   * at once, so that a reader or the file watcher never sees half of it, with the old file's owner and mode)
   * and here. Only the hash's text changes, the file keeps its layout; when an operator changed that user's hash
   * meanwhile, theirs stays. A file that cannot be written is warned about once per user; the sign-in goes on
   * either way. Blocking.
   */
  private void rehash(String key, Entry entry, char[] password) {
    String phc = PasswordHash.create(password, iterations);
    try {
      synchronized (REWRITES) {
        Path real = file.toRealPath();
        String text = Files.readString(real, StandardCharsets.UTF_8);
        String quoted = "\"" + entry.phc() + "\"";
        if (!text.contains(quoted)) {
          // Changed since it was read: the operator's hash stays, and the next load (reload) sees it.
          notRehashed.add(key);
          return;
        }
        PosixFileAttributeView posix = Files.getFileAttributeView(real, PosixFileAttributeView.class);
        PosixFileAttributes attributes = posix == null ? null : posix.readAttributes();
        // Without its owner's write bit the file is read-only by intent, even to root (which could write it).
        if (!Files.isWritable(real) || attributes != null && !attributes.permissions().contains(PosixFilePermission.OWNER_WRITE)) {
          throw new AccessDeniedException(real.toString(), null, "read-only");
        }
        Path temp = Files.createTempFile(real.getParent(), "." + real.getFileName(), ".tmp");
        try {
          if (attributes != null) {
            PosixFileAttributeView copy = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            if (!copy.readAttributes().owner().equals(attributes.owner())) {
              copy.setOwner(attributes.owner());
            }
            if (!copy.readAttributes().group().equals(attributes.group())) {
              copy.setGroup(attributes.group());
            }
            copy.setPermissions(attributes.permissions());
          }
          Files.writeString(temp, text.replace(quoted, "\"" + phc + "\""), StandardCharsets.UTF_8);
          Files.move(temp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      Entry rehashed = new Entry(entry.account(), PasswordHash.parse(phc), phc);
      byUserName.put(key, rehashed);
      byId.put(entry.account().id(), rehashed);
      LOG.info("{}: user \"{}\" re-hashed from {} to {} iterations", file, entry.account().userName(), entry.hash().iterations(), iterations);
    } catch (IOException | RuntimeException e) {
      if (notRehashed.add(key)) {
        LOG.warn("{}: user \"{}\" is hashed with {} iterations, not {}, and the file cannot be rewritten ({}): "
            + "unknown names can be told from this user by timing until its hash is replaced (bff-gateway hash-password)",
          file, entry.account().userName(), entry.hash().iterations(), iterations, e.toString());
      }
    }
  }

  @Override
  public Future<Optional<UserAccount>> lookup(UserAccount signedIn) {
    Entry entry = byId.get(signedIn.id());
    return Future.succeededFuture(entry == null || entry.account().disabled() ? Optional.empty() : Optional.of(entry.account()));
  }
}
