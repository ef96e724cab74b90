package dev.bffgateway.token;

import dev.bffgateway.config.ConfigException;
import dev.bffgateway.config.KeyConfig;
import dev.bffgateway.config.TokensConfig;
import io.vertx.core.json.JsonObject;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The key set: every configured key verifies, exactly one signs. With no key configured, an ES256 key is
 * generated under the data directory at first start and reused afterwards, so tokens survive restarts.
 * Loading reads files: call it off the event loop.
 */
public final class TokenKeys {
  static final String DEFAULT_KEY_FILE = "keys/es256.pem";

  private final List<TokenKey> all;
  private final TokenKey signing;
  private final boolean generated;

  TokenKeys(List<TokenKey> all, TokenKey signing) {
    this(all, signing, false);
  }

  private TokenKeys(List<TokenKey> all, TokenKey signing, boolean generated) {
    if (all.isEmpty() || signing == null || !signing.canSign()) {
      // Never run without a key: a verifier with no keys must not exist, since some accept unsigned tokens.
      throw new IllegalArgumentException("a key set needs at least one key and a signing key");
    }
    this.all = List.copyOf(all);
    this.signing = signing;
    this.generated = generated;
  }

  public List<TokenKey> all() {
    return all;
  }

  public TokenKey signing() {
    return signing;
  }

  /** Whether loading this set generated its key: the default key, on the first start with this data directory. */
  public boolean generated() {
    return generated;
  }

  /** Loads the configured keys, or the generated default key (creating it when it does not exist yet). */
  public static TokenKeys load(TokensConfig config, Path dataDir) throws ConfigException {
    if (config.keys().isEmpty()) {
      return defaultKey(dataDir);
    }
    List<String> errors = new ArrayList<>();
    List<TokenKey> keys = new ArrayList<>();
    Map<String, String> kids = new HashMap<>();
    TokenKey signing = null;
    for (KeyConfig entry : config.keys()) {
      TokenKey key = load(entry, errors);
      if (key == null) {
        continue;
      }
      String firstWithKid = kids.putIfAbsent(key.kid(), entry.path());
      if (firstWithKid != null) {
        errors.add(entry.path() + ": kid \"" + key.kid() + "\" is already the kid of " + firstWithKid);
      }
      if (entry.signing() || (signing == null && config.keys().stream().noneMatch(KeyConfig::signing))) {
        if (!key.canSign()) {
          errors.add(entry.path() + ": signs new tokens but holds no private key");
        }
        signing = signing == null ? key : signing;
      }
      keys.add(key);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new TokenKeys(keys, signing);
  }

  private static TokenKey load(KeyConfig entry, List<String> errors) {
    if (entry.secret() != null) {
      byte[] secret = entry.secret().getBytes(StandardCharsets.UTF_8);
      String kid = entry.id() != null ? entry.id() : PemKeys.secretThumbprint(secret);
      SecretKeySpec key = new SecretKeySpec(secret, JwsAlgorithm.HS256.jcaName());
      return new TokenKey(kid, JwsAlgorithm.HS256, key, key, null);
    }
    try {
      return fromPem(Files.readString(entry.pem(), StandardCharsets.US_ASCII), entry.id());
    } catch (KeyMaterialException e) {
      errors.add(entry.path() + ".pem: " + entry.pem() + " " + e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      errors.add(entry.path() + ".pem: " + entry.pem() + " cannot be read (" + e.getMessage() + ")");
    }
    return null;
  }

  static TokenKey fromPem(String pem, String id) throws KeyMaterialException {
    PemKeys.Material material = PemKeys.read(pem);
    JsonObject jwk = PemKeys.publicJwk(material.publicKey());
    String kid = id != null ? id : PemKeys.thumbprint(jwk);
    jwk.put("kid", kid).put("alg", material.algorithm().name()).put("use", "sig");
    return new TokenKey(kid, material.algorithm(), material.publicKey(), material.privateKey(), jwk);
  }

  /** A client's private key for private_key_jwt: a PEM file with a private key (its public half may follow). */
  public static TokenSigner clientKey(Path file, String jsonPath) throws ConfigException {
    try {
      TokenKey key = fromPem(Files.readString(file, StandardCharsets.US_ASCII), null);
      if (!key.canSign()) {
        throw new ConfigException(List.of(jsonPath + ": " + file + " holds no private key"));
      }
      return new TokenSigner(key);
    } catch (KeyMaterialException e) {
      throw new ConfigException(List.of(jsonPath + ": " + file + " " + e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException(List.of(jsonPath + ": " + file + " cannot be read (" + e.getMessage() + ")"));
    }
  }

  private static TokenKeys defaultKey(Path dataDir) throws ConfigException {
    Path file = dataDir.resolve(DEFAULT_KEY_FILE);
    try {
      boolean generated = !Files.exists(file);
      if (generated) {
        PrivateFiles.dataDir(dataDir);
        generate(JwsAlgorithm.ES256, file);
      }
      TokenKey key = fromPem(Files.readString(file, StandardCharsets.US_ASCII), null);
      return new TokenKeys(List.of(key), key, generated);
    } catch (KeyMaterialException e) {
      throw new ConfigException(List.of(file + " " + e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read or written (" + e.getMessage() + ")"));
    }
  }

  /**
   * Writes a new key pair to a file only its owner can read; refuses to overwrite one. Directories it has to
   * create are made owner-only too; existing ones are left as they are.
   */
  public static void generate(JwsAlgorithm algorithm, Path file) throws IOException {
    KeyPair pair = PemKeys.generate(algorithm);
    PrivateFiles.createDirectories(file.toAbsolutePath().getParent());
    PrivateFiles.createFile(file);
    Files.writeString(file, PemKeys.write(pair), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
