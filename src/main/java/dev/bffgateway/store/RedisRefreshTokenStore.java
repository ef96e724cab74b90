package dev.bffgateway.store;

import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.token.OpaqueTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.ext.web.sstore.redis.RedisSessionStore;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The store for several gateway instances: one Redis, every multi-key step a Lua script so it is atomic on the
 * server. Keys expire with what they hold. Times come from the gateway's clock (passed to the scripts), so
 * every backend applies the same rules; a standalone Redis or a primary, not Redis Cluster (the scripts
 * derive family keys from token data).
 *
 * <p>Keys, under the configured prefix: {@code t:<sha256>} token (family, expiry, rotation time),
 * {@code f:<id>} family (subject, user, client, times, revocation), {@code s:<subject>} the subject's families,
 * {@code att:<owner>} sign-in attempts, {@code ps:<provider>|<sid>} the families of an OpenID provider's session.
 */
final class RedisRefreshTokenStore implements RefreshTokenStore {
  private static final int OPERATION_TIMEOUT_SECONDS = 3;
  // Lua numbers are doubles: integers must be formatted explicitly or they come out as 1.7e+12.
  private static final String HELPERS = "local function s(n) return string.format('%.0f', n) end\n";

  private static final Script ISSUE = new Script(HELPERS + """
    -- KEYS: family, token, subject set. ARGV: familyId, subject, user, client, now, familyExpiry, ttl
    if redis.call('EXISTS', KEYS[1]) == 0 then
      redis.call('HSET', KEYS[1], 'sub', ARGV[2], 'user', ARGV[3], 'client', ARGV[4], 'created', ARGV[5], 'last', ARGV[5], 'exp', ARGV[6])
      redis.call('PEXPIREAT', KEYS[1], ARGV[6])
    end
    local familyExp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
    local exp = math.min(tonumber(ARGV[5]) + tonumber(ARGV[7]), familyExp)
    redis.call('HSET', KEYS[2], 'fam', ARGV[1], 'exp', s(exp))
    redis.call('PEXPIREAT', KEYS[2], s(exp))
    redis.call('SADD', KEYS[3], ARGV[1])
    if redis.call('PEXPIRETIME', KEYS[3]) < familyExp then redis.call('PEXPIREAT', KEYS[3], s(familyExp)) end
    return s(exp)
    """);

  private static final Script ROTATE = new Script(HELPERS + """
    -- KEYS: token, successor. ARGV: now, grace, ttl, prefix
    local t = redis.call('HMGET', KEYS[1], 'fam', 'exp', 'rot')
    if not t[1] then return {'UNKNOWN'} end
    local fkey = ARGV[4] .. 'f:' .. t[1]
    local f = redis.call('HMGET', fkey, 'sub', 'user', 'exp', 'revoked')
    if not f[1] then return {'UNKNOWN'} end
    if f[4] then return {'REVOKED'} end
    local now = tonumber(ARGV[1])
    if now > tonumber(t[2]) or now > tonumber(f[3]) then return {'EXPIRED'} end
    if t[3] then
      if now - tonumber(t[3]) <= tonumber(ARGV[2]) then return {'GRACE', t[1], f[1], f[2], t[2], f[3]} end
      redis.call('HSET', fkey, 'revoked', ARGV[1])
      redis.call('HDEL', fkey, 'idp')
      return {'REUSED'}
    end
    local exp = math.min(now + tonumber(ARGV[3]), tonumber(f[3]))
    redis.call('HSET', KEYS[1], 'rot', ARGV[1])
    redis.call('HSET', KEYS[2], 'fam', t[1], 'exp', s(exp))
    redis.call('PEXPIREAT', KEYS[2], s(exp))
    redis.call('HSET', fkey, 'last', ARGV[1])
    return {'ROTATED', t[1], f[1], f[2], s(exp), f[3]}
    """);

  private static final Script KEEP = new Script(HELPERS + """
    -- KEYS: token, its family. ARGV: now, grace, ttl, family id. As ROTATE, but a current token stays current.
    local t = redis.call('HMGET', KEYS[1], 'fam', 'exp', 'rot')
    if t[1] ~= ARGV[4] then return {'UNKNOWN'} end
    local f = redis.call('HMGET', KEYS[2], 'sub', 'user', 'exp', 'revoked')
    if not f[1] then return {'UNKNOWN'} end
    if f[4] then return {'REVOKED'} end
    local now = tonumber(ARGV[1])
    if now > tonumber(t[2]) or now > tonumber(f[3]) then return {'EXPIRED'} end
    if t[3] then
      if now - tonumber(t[3]) <= tonumber(ARGV[2]) then return {'GRACE', t[1], f[1], f[2], t[2], f[3]} end
      redis.call('HSET', KEYS[2], 'revoked', ARGV[1])
      redis.call('HDEL', KEYS[2], 'idp')
      return {'REUSED'}
    end
    local exp = math.min(now + tonumber(ARGV[3]), tonumber(f[3]))
    redis.call('HSET', KEYS[1], 'exp', s(exp))
    redis.call('PEXPIREAT', KEYS[1], s(exp))
    redis.call('HSET', KEYS[2], 'last', ARGV[1])
    return {'KEPT', t[1], f[1], f[2], s(exp), f[3]}
    """);

  private static final Script REVOKE_SUBJECT = new Script("""
    -- KEYS: subject set, subject revocation. ARGV: now, prefix, how long to keep the revocation
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      local fkey = ARGV[2] .. 'f:' .. id
      if redis.call('EXISTS', fkey) == 1 then redis.call('HSETNX', fkey, 'revoked', ARGV[1]); redis.call('HDEL', fkey, 'idp') end
    end
    return 0
    """);

  private static final Script REVOKE_FAMILY = new Script("""
    -- KEYS: family. ARGV: now
    if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'revoked', ARGV[1]); redis.call('HDEL', KEYS[1], 'idp') end
    return 0
    """);

  private static final Script REVOKE_FAMILY_OF = new Script("""
    -- KEYS: token. ARGV: now, prefix
    local family = redis.call('HGET', KEYS[1], 'fam')
    if family then
      local fkey = ARGV[2] .. 'f:' .. family
      if redis.call('EXISTS', fkey) == 1 then redis.call('HSETNX', fkey, 'revoked', ARGV[1]); redis.call('HDEL', fkey, 'idp') end
    end
    return 0
    """);

  private static final Script FAMILY_OF = new Script("""
    -- KEYS: token. ARGV: prefix. Returns the family id and its subject, or nothing.
    local family = redis.call('HGET', KEYS[1], 'fam')
    if not family then return {} end
    local subject = redis.call('HGET', ARGV[1] .. 'f:' .. family, 'sub')
    if not subject then return {} end
    return {family, subject}
    """);

  private static final Script USE_FAMILY = new Script("""
    -- KEYS: family. ARGV: now. Returns subject, user, exp of a live family, marking it used; else nothing.
    local f = redis.call('HMGET', KEYS[1], 'sub', 'user', 'exp', 'revoked')
    if not f[1] or f[4] or tonumber(ARGV[1]) > tonumber(f[3]) then return {} end
    redis.call('HSET', KEYS[1], 'last', ARGV[1])
    return {f[1], f[2], f[3]}
    """);

  private static final Script PUT_PROVIDER_GRANT = new Script("""
    -- KEYS: family, provider session set or the family again. ARGV: now, grant, family id, whether a session is given.
    local f = redis.call('HMGET', KEYS[1], 'exp', 'revoked')
    if not f[1] or f[2] or tonumber(ARGV[1]) > tonumber(f[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'idp', ARGV[2])
    if ARGV[4] == '1' then
      redis.call('SADD', KEYS[2], ARGV[3])
      if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(f[1]) then redis.call('PEXPIREAT', KEYS[2], f[1]) end
    end
    return 1
    """);

  private static final Script PROVIDER_GRANT = new Script("""
    -- KEYS: family. ARGV: now. The grant of a live family, or nothing.
    local f = redis.call('HMGET', KEYS[1], 'exp', 'revoked', 'idp')
    if not f[1] or f[2] or not f[3] or tonumber(ARGV[1]) > tonumber(f[1]) then return false end
    return f[3]
    """);

  private static final Script FAMILIES_OF_PROVIDER_SESSION = new Script("""
    -- KEYS: provider session set. ARGV: now, prefix. The live families in the set.
    local out = {}
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      local f = redis.call('HMGET', ARGV[2] .. 'f:' .. id, 'exp', 'revoked')
      if not f[1] then
        redis.call('SREM', KEYS[1], id)
      elseif not f[2] and tonumber(ARGV[1]) <= tonumber(f[1]) then
        table.insert(out, id)
      end
    end
    return out
    """);

  private static final Script FAMILIES = new Script("""
    -- KEYS: subject set. ARGV: now, prefix. Returns id, created, last, client for each active family.
    local out = {}
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      local f = redis.call('HMGET', ARGV[2] .. 'f:' .. id, 'created', 'last', 'client', 'exp', 'revoked')
      if not f[1] then
        redis.call('SREM', KEYS[1], id)
      elseif not f[5] and tonumber(ARGV[1]) <= tonumber(f[4]) then
        table.insert(out, id); table.insert(out, f[1]); table.insert(out, f[2]); table.insert(out, f[3] or '')
      end
    end
    return out
    """);

  // An owner's sign-in attempts are one hash (a field per counter, '#ends' its window), so that an unlock is one DEL.
  private static final Script TAKE_ATTEMPT = new Script(HELPERS + """
    -- KEYS: the owner's attempts. ARGV: counter, now, window
    local ends = tonumber(redis.call('HGET', KEYS[1], '#ends'))
    local now = tonumber(ARGV[2])
    if not ends or now >= ends then
      local fresh = s(now + tonumber(ARGV[3]))
      redis.call('DEL', KEYS[1])
      redis.call('HSET', KEYS[1], '#ends', fresh)
      redis.call('PEXPIREAT', KEYS[1], fresh)
    end
    return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
    """);

  private static final Script GIVE_BACK_ATTEMPT = new Script("""
    -- KEYS: the owner's attempts. ARGV: counter, now
    local ends = tonumber(redis.call('HGET', KEYS[1], '#ends'))
    if ends and tonumber(ARGV[2]) < ends and tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') > 0 then
      redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
    end
    return 0
    """);

  private final Redis client;
  private final RedisAPI redis;
  private final String prefix;
  private final RefreshPolicy policy;

  private RedisRefreshTokenStore(Redis client, String prefix, RefreshPolicy policy) {
    this.client = client;
    this.redis = RedisAPI.api(client);
    this.prefix = prefix;
    this.policy = policy;
  }

  /** Connects lazily: a Redis that is down at start makes the gateway unready, not dead. */
  static RefreshTokenStore create(Vertx vertx, String url, String prefix, RefreshPolicy policy) {
    Redis client = Redis.createClient(vertx, new RedisOptions()
      .setNetClientOptions(new NetClientOptions().setConnectTimeout(OPERATION_TIMEOUT_SECONDS * 1000).setTcpNoDelay(true))
      .setConnectionString(url)
      .setMaxPoolSize(32)
      .setMaxPoolWaiting(4096)
      .setMaxWaitingHandlers(4096));
    return new RedisRefreshTokenStore(client, prefix, policy);
  }

  @Override
  public Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client) {
    long now = policy.now();
    String id = familyId == null ? RefreshPolicy.newFamilyId() : familyId;
    String token = OpaqueTokens.generate();
    return run(ISSUE, List.of(prefix + "f:" + id, prefix + "t:" + OpaqueTokens.hash(token), prefix + "s:" + subject),
      List.of(id, subject, user.encode(), client == null ? "" : client, Long.toString(now),
        Long.toString(policy.familyExpiry(now)), Long.toString(policy.ttlMillis())))
      .map(expiresAt -> new IssuedRefreshToken(token, id, Long.parseLong(expiresAt.toString())));
  }

  @Override
  public Future<Rotation> rotate(String token) {
    String successor = OpaqueTokens.generate();
    return run(ROTATE, List.of(prefix + "t:" + OpaqueTokens.hash(token), prefix + "t:" + OpaqueTokens.hash(successor)),
      List.of(Long.toString(policy.now()), Long.toString(policy.graceMillis()), Long.toString(policy.ttlMillis()), prefix))
      .map(reply -> rotation(reply, successor));
  }

  /**
   * Two steps, so that the script names every key it touches: the token's family is read first; a token's family
   * never changes, and the script checks the token again.
   */
  @Override
  public Future<Rotation> keep(String token) {
    String tokenKey = prefix + "t:" + OpaqueTokens.hash(token);
    return unavailableOnFailure(redis.hget(tokenKey, "fam")).compose(family -> family == null
      ? Future.succeededFuture(Rotation.failed(Outcome.UNKNOWN))
      : run(KEEP, List.of(tokenKey, prefix + "f:" + family), List.of(Long.toString(policy.now()),
        Long.toString(policy.graceMillis()), Long.toString(policy.ttlMillis()), family.toString()))
        .map(reply -> rotation(reply, null)));
  }

  /** A ROTATE or KEEP reply: the outcome, then for one that refreshes the family's id, subject, user and expiries. */
  private static Rotation rotation(Response reply, String successor) {
    Outcome outcome = Outcome.valueOf(reply.get(0).toString());
    if (!outcome.refreshes()) {
      return Rotation.failed(outcome);
    }
    RefreshRecord record = new RefreshRecord(reply.get(1).toString(), reply.get(2).toString(),
      new JsonObject(reply.get(3).toString()), Long.parseLong(reply.get(4).toString()), Long.parseLong(reply.get(5).toString()));
    return switch (outcome) {
      case ROTATED -> Rotation.rotated(successor, record);
      case KEPT -> Rotation.kept(record);
      default -> Rotation.grace(record);
    };
  }

  @Override
  public Future<Void> revokeFamily(String familyId) {
    return run(REVOKE_FAMILY, List.of(prefix + "f:" + familyId), List.of(Long.toString(policy.now()))).mapEmpty();
  }

  @Override
  public Future<Void> revokeFamilyOf(String token) {
    return run(REVOKE_FAMILY_OF, List.of(prefix + "t:" + OpaqueTokens.hash(token)), List.of(Long.toString(policy.now()), prefix)).mapEmpty();
  }

  @Override
  public Future<Void> revokeSubject(String subject) {
    return run(REVOKE_SUBJECT, List.of(prefix + "s:" + subject, prefix + "rev:" + subject),
      List.of(Long.toString(policy.now()), prefix, Long.toString(RefreshPolicy.REVOCATION_KEPT_MS))).mapEmpty();
  }

  @Override
  public Future<Long> revokedBefore(String subject) {
    return unavailableOnFailure(redis.get(prefix + "rev:" + subject)).map(value -> value == null ? 0L : value.toLong());
  }

  @Override
  public Future<FamilyRef> familyOf(String token) {
    return run(FAMILY_OF, List.of(prefix + "t:" + OpaqueTokens.hash(token)), List.of(prefix))
      .map(reply -> reply.size() < 2 ? null : new FamilyRef(reply.get(0).toString(), reply.get(1).toString()));
  }

  @Override
  public Future<RefreshRecord> useFamily(String familyId) {
    return run(USE_FAMILY, List.of(prefix + "f:" + familyId), List.of(Long.toString(policy.now()))).map(reply -> {
      if (reply.size() < 3) {
        return null;
      }
      long expiresAt = Long.parseLong(reply.get(2).toString());
      return new RefreshRecord(familyId, reply.get(0).toString(), new JsonObject(reply.get(1).toString()), expiresAt, expiresAt);
    });
  }

  @Override
  public Future<List<FamilyInfo>> families(String subject) {
    return run(FAMILIES, List.of(prefix + "s:" + subject), List.of(Long.toString(policy.now()), prefix)).map(reply -> {
      List<FamilyInfo> families = new ArrayList<>();
      for (int i = 0; i + 3 < reply.size(); i += 4) {
        String client = reply.get(i + 3).toString();
        families.add(new FamilyInfo(reply.get(i).toString(), Long.parseLong(reply.get(i + 1).toString()),
          Long.parseLong(reply.get(i + 2).toString()), client.isEmpty() ? null : client));
      }
      families.sort(java.util.Comparator.comparingLong(FamilyInfo::createdAt).thenComparing(FamilyInfo::familyId));
      return families;
    });
  }

  @Override
  public Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    String family = prefix + "f:" + familyId;
    return run(PUT_PROVIDER_GRANT, List.of(family, providerSession == null ? family : prefix + "ps:" + providerSession),
      List.of(Long.toString(policy.now()), grant.encode(), familyId, providerSession == null ? "0" : "1"))
      .map(reply -> reply.toInteger() == 1);
  }

  @Override
  public Future<JsonObject> providerGrant(String familyId) {
    return run(PROVIDER_GRANT, List.of(prefix + "f:" + familyId), List.of(Long.toString(policy.now())))
      .map(reply -> reply == null ? null : new JsonObject(reply.toString()));
  }

  @Override
  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    return run(FAMILIES_OF_PROVIDER_SESSION, List.of(prefix + "ps:" + providerSession), List.of(Long.toString(policy.now()), prefix))
      .map(reply -> {
        List<String> ids = new ArrayList<>();
        reply.forEach(id -> ids.add(id.toString()));
        return ids;
      });
  }

  /** Redis expires keys by itself. */
  @Override
  public Future<Integer> purgeExpired() {
    return Future.succeededFuture(0);
  }

  @Override
  public Future<Integer> takeAttempt(String owner, String counter, Duration window) {
    return run(TAKE_ATTEMPT, List.of(attemptsKey(owner)), List.of(counter, Long.toString(policy.now()), Long.toString(window.toMillis())))
      .map(Response::toInteger);
  }

  @Override
  public Future<Void> giveBackAttempt(String owner, String counter) {
    return run(GIVE_BACK_ATTEMPT, List.of(attemptsKey(owner)), List.of(counter, Long.toString(policy.now()))).mapEmpty();
  }

  @Override
  public Future<Void> clearAttempts(String owner) {
    return unavailableOnFailure(redis.del(List.of(attemptsKey(owner)))).mapEmpty();
  }

  private String attemptsKey(String owner) {
    return prefix + "att:" + owner;
  }

  @Override
  public Future<Void> ping() {
    return unavailableOnFailure(redis.ping(List.of())).mapEmpty();
  }

  /** Vert.x's Redis session store on the same client; its keys are the bare session ids, as Vert.x writes them. */
  @Override
  public SessionStore sessionStore(Vertx vertx) {
    return RedisSessionStore.create(vertx, client);
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  /** EVALSHA, falling back to EVAL when the server does not know the script yet (first use, or after a restart). */
  private Future<Response> run(Script script, List<String> keys, List<String> args) {
    List<String> shaCall = script.arguments(script.sha, keys, args);
    return unavailableOnFailure(redis.evalsha(shaCall).recover(failure -> {
      String message = failure.getMessage();
      return message != null && message.startsWith("NOSCRIPT")
        ? redis.eval(script.arguments(script.source, keys, args))
        : Future.failedFuture(failure);
    }));
  }

  /**
   * A Redis that drops packets instead of refusing connections must not hold requests for minutes: past a few
   * seconds an operation counts as the store being unavailable (a temporary 503), like a refused connection.
   */
  private static <T> Future<T> unavailableOnFailure(Future<T> operation) {
    return operation.timeout(OPERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS)
      .recover(failure -> Future.failedFuture(new StoreUnavailableException("Redis: " + failure.getMessage(), failure)));
  }

  private record Script(String source, String sha) {
    Script(String source) {
      this(source, sha1(source));
    }

    List<String> arguments(String scriptOrSha, List<String> keys, List<String> args) {
      List<String> arguments = new ArrayList<>(2 + keys.size() + args.size());
      arguments.add(scriptOrSha);
      arguments.add(Integer.toString(keys.size()));
      arguments.addAll(keys);
      arguments.addAll(args);
      return arguments;
    }

    private static String sha1(String text) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java runtime has SHA-1", e);
      }
    }
  }
}
