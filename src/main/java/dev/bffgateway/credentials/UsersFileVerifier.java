package dev.bffgateway.credentials;

import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.JsonText;
import dev.bffgateway.config.ObjectReader;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Users from a JSON file ({@code conf/users.json}): user name, PBKDF2 password hash, display name, email,
 * roles, permissions, disabled. Hashes are checked on a worker pool sized to the cores, never on an event
 * loop; an unknown user name costs the same hashing as a wrong password, so timing does not tell which names
 * exist. User names match case-insensitively.
 */
public final class UsersFileVerifier implements CredentialVerifier {
  /** Checked for unknown user names, so they take as long as known ones. */
  private static final PasswordHash DUMMY = PasswordHash.parse(PasswordHash.create("not a password".toCharArray(), PasswordHash.DEFAULT_ITERATIONS));

  private record Entry(UserAccount account, PasswordHash hash) {
  }

  private final Map<String, Entry> byUserName;
  private final Map<String, Entry> byId;
  private final WorkerExecutor hashing;

  private UsersFileVerifier(List<Entry> entries, WorkerExecutor hashing) {
    Map<String, Entry> names = new HashMap<>();
    Map<String, Entry> ids = new HashMap<>();
    for (Entry entry : entries) {
      names.put(entry.account().userName().toLowerCase(Locale.ROOT), entry);
      ids.put(entry.account().id(), entry);
    }
    this.byUserName = Map.copyOf(names);
    this.byId = Map.copyOf(ids);
    this.hashing = hashing;
  }

  /** Reads and validates the whole file, reporting every error with its path. Blocking. */
  public static UsersFileVerifier load(Path file, WorkerExecutor hashing) throws ConfigException {
    return new UsersFileVerifier(read(file), hashing);
  }

  /** Validates the file only, for check-config. Blocking. */
  public static void check(Path file) throws ConfigException {
    read(file);
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
    return new Entry(account, hash);
  }

  /** How many users the file holds, disabled ones included. */
  public int userCount() {
    return byId.size();
  }

  @Override
  public Future<Optional<UserAccount>> verify(String userName, String password) {
    Entry entry = byUserName.get(userName.toLowerCase(Locale.ROOT));
    return hashing.executeBlocking(() -> {
      char[] chars = password.toCharArray();
      try {
        boolean matches = (entry == null ? DUMMY : entry.hash()).matches(chars);
        return entry != null && matches && !entry.account().disabled() ? Optional.of(entry.account()) : Optional.<UserAccount>empty();
      } finally {
        java.util.Arrays.fill(chars, '\0');
      }
    }, false);
  }

  @Override
  public Future<Optional<UserAccount>> lookup(UserAccount signedIn) {
    Entry entry = byId.get(signedIn.id());
    return Future.succeededFuture(entry == null || entry.account().disabled() ? Optional.empty() : Optional.of(entry.account()));
  }
}
