package dev.bffgateway.store;

import dev.bffgateway.config.RedisConfig;
import dev.bffgateway.store.Rotation.Outcome;
import dev.bffgateway.token.OpaqueTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.ext.web.sstore.redis.RedisSessionStore;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The store for several gateway instances: a standalone Redis, a Sentinel-managed primary, or a Redis Cluster
 * (or Valkey), every multi-key step a Lua script so it is atomic on the server. Keys expire with what they hold.
 * Times come from the gateway's clock (passed to the scripts), so every backend applies the same rules.
 *
 * <p>Keys, under the configured prefix (docs/store.md): a subject's families, tokens, family set and revocation
 * share the hash tag {@code {<tag>}}, eight hex digits of the subject's SHA-256, so they live in one Cluster slot
 * and one script can change them together. Family ids and tokens carry the tag ({@code <tag>.<id>}, and
 * {@code <family id>.<secret>}), as rotating a token must find its family's slot from the token alone. Every
 * script names all its keys in KEYS. A sign-in attempts owner is one key of its own, {@code att:<owner>}, changed
 * by single-key scripts.
 *
 * <p>Replication is asynchronous: with {@code minReplicasAcked} above 0, a change to a family is confirmed to the
 * client only after WAIT reports that many replicas hold it, else the client gets a 503. A rotation not yet
 * confirmed keeps its successor, sealed with the presented token, so that the client's retry is answered with
 * the same successor, whichever node survives a failover.
 */
final class RedisRefreshTokenStore implements RefreshTokenStore {
  private static final int OPERATION_TIMEOUT_SECONDS = 3;
  private static final int POOL_SIZE = 32;
  private static final int MAX_WAITING = 4096;
  private static final Pattern FAMILY_ID = Pattern.compile("[0-9a-f]{8}\\.[A-Za-z0-9_-]{1,64}");
  private static final int SUBJECT_READS = 5;
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
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
    -- KEYS: token, successor, family. ARGV: now, grace, ttl, the sealed successor or '' when nothing is to confirm,
    -- 'keep' to keep a current token current (its expiry slid) instead of rotating it
    local t = redis.call('HMGET', KEYS[1], 'fam', 'exp', 'rot', 'next', 'nextExp')
    if not t[1] then return {'UNKNOWN'} end
    local f = redis.call('HMGET', KEYS[3], 'sub', 'user', 'exp', 'revoked')
    if not f[1] then return {'UNKNOWN'} end
    if f[4] then return {'REVOKED'} end
    local now = tonumber(ARGV[1])
    if now > tonumber(t[2]) or now > tonumber(f[3]) then return {'EXPIRED'} end
    if t[3] then
      if t[4] then
        -- Rotated, but its client was never told (no confirmation from the replicas): the same successor again.
        -- The write makes the caller's WAIT cover the rotation, wherever this node got it from.
        redis.call('HSET', KEYS[1], 'retried', ARGV[1])
        return {'GRACE', t[1], f[1], f[2], t[5], f[3], t[4]}
      end
      if now - tonumber(t[3]) <= tonumber(ARGV[2]) then return {'GRACE', t[1], f[1], f[2], t[2], f[3]} end
      redis.call('HSET', KEYS[3], 'revoked', ARGV[1])
      redis.call('HDEL', KEYS[3], 'idp')
      return {'REUSED'}
    end
    local exp = math.min(now + tonumber(ARGV[3]), tonumber(f[3]))
    redis.call('HSET', KEYS[3], 'last', ARGV[1])
    if ARGV[5] == 'keep' then
      redis.call('HSET', KEYS[1], 'exp', s(exp))
      redis.call('PEXPIREAT', KEYS[1], s(exp))
      return {'KEPT', t[1], f[1], f[2], s(exp), f[3]}
    end
    redis.call('HSET', KEYS[1], 'rot', ARGV[1])
    if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'next', ARGV[4], 'nextExp', s(exp)) end
    redis.call('HSET', KEYS[2], 'fam', t[1], 'exp', s(exp))
    redis.call('PEXPIREAT', KEYS[2], s(exp))
    return {'ROTATED', t[1], f[1], f[2], s(exp), f[3]}
    """);

  private static final Script REVOKE_SUBJECT = new Script("""
    -- KEYS: subject set, subject revocation, then the families read from the set. ARGV: now, how long to keep
    -- the revocation, then the families' ids (ARGV[i] is the id of KEYS[i]).
    -- 0 when the set holds a family not named (issued since it was read): the caller reads it again.
    local named = {}
    for i = 3, #KEYS do named[ARGV[i]] = true end
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do if not named[id] then return 0 end end
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
    for i = 3, #KEYS do
      if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HSETNX', KEYS[i], 'revoked', ARGV[1]); redis.call('HDEL', KEYS[i], 'idp') end
    end
    return 1
    """);

  private static final Script REVOKE_FAMILY = new Script("""
    -- KEYS: family. ARGV: now
    if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'revoked', ARGV[1]); redis.call('HDEL', KEYS[1], 'idp') end
    return 0
    """);

  private static final Script REVOKE_FAMILY_OF = new Script("""
    -- KEYS: token, its family. ARGV: now
    if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('EXISTS', KEYS[2]) == 1 then
      redis.call('HSETNX', KEYS[2], 'revoked', ARGV[1]); redis.call('HDEL', KEYS[2], 'idp')
    end
    return 0
    """);

  private static final Script FAMILY_OF = new Script("""
    -- KEYS: token, its family. Returns the family's subject, or nothing.
    if redis.call('EXISTS', KEYS[1]) == 0 then return false end
    return redis.call('HGET', KEYS[2], 'sub')
    """);

  private static final Script USE_FAMILY = new Script("""
    -- KEYS: family. ARGV: now. Returns subject, user, exp of a live family, marking it used; else nothing.
    local f = redis.call('HMGET', KEYS[1], 'sub', 'user', 'exp', 'revoked')
    if not f[1] or f[4] or tonumber(ARGV[1]) > tonumber(f[3]) then return {} end
    redis.call('HSET', KEYS[1], 'last', ARGV[1])
    return {f[1], f[2], f[3]}
    """);

  private static final Script PUT_PROVIDER_GRANT = new Script("""
    -- KEYS: family. ARGV: now, grant. The family's expiry, or 0 when it is not live and nothing was kept.
    local f = redis.call('HMGET', KEYS[1], 'exp', 'revoked')
    if not f[1] or f[2] or tonumber(ARGV[1]) > tonumber(f[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'idp', ARGV[2])
    return f[1]
    """);

  private static final Script ADD_TO_SET = new Script("""
    -- KEYS: set. ARGV: member, the member's expiry: the set lives as long as its longest-lived member.
    redis.call('SADD', KEYS[1], ARGV[1])
    if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
    return 1
    """);

  private static final Script PROVIDER_GRANT = new Script("""
    -- KEYS: family. ARGV: now. The grant of a live family, or nothing.
    local f = redis.call('HMGET', KEYS[1], 'exp', 'revoked', 'idp')
    if not f[1] or f[2] or not f[3] or tonumber(ARGV[1]) > tonumber(f[1]) then return false end
    return f[3]
    """);

  private static final Script FAMILIES = new Script("""
    -- KEYS: subject set, then the families read from it. ARGV: now, then the families' ids (ARGV[i] is the id of
    -- KEYS[i]). Returns 0 when the set holds a family not named (the caller reads it again), else 1 followed by
    -- id, created, last, client of each active family.
    local named = {}
    for i = 2, #KEYS do named[ARGV[i]] = true end
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do if not named[id] then return {0} end end
    local out = {1}
    for i = 2, #KEYS do
      local f = redis.call('HMGET', KEYS[i], 'created', 'last', 'client', 'exp', 'revoked')
      if not f[1] then
        redis.call('SREM', KEYS[1], ARGV[i])
      elseif not f[5] and tonumber(ARGV[1]) <= tonumber(f[4]) then
        table.insert(out, ARGV[i]); table.insert(out, f[1]); table.insert(out, f[2]); table.insert(out, f[3] or '')
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
  private final int minReplicasAcked;
  private final int replicaAckTimeoutMs;

  private RedisRefreshTokenStore(Redis client, RedisConfig config, RefreshPolicy policy) {
    this.client = client;
    this.redis = RedisAPI.api(client);
    this.prefix = config.keyPrefix();
    this.policy = policy;
    this.minReplicasAcked = config.minReplicasAcked();
    this.replicaAckTimeoutMs = config.replicaAckTimeoutMs();
  }

  /**
   * Connects lazily: a Redis that is down at start makes the gateway unready, not dead. Sentinel and Cluster
   * are vertx-redis-client's own clients: they find the primary (and follow a failover) and the slots' owners
   * (and follow MOVED and ASK) themselves.
   */
  static RefreshTokenStore create(Vertx vertx, RedisConfig config, RefreshPolicy policy) {
    RedisOptions options = new RedisOptions()
      .setNetClientOptions(new NetClientOptions().setConnectTimeout(OPERATION_TIMEOUT_SECONDS * 1000).setTcpNoDelay(true))
      .setEndpoints(config.endpoints())
      .setUser(config.user())
      .setPassword(config.password())
      .setMaxPoolSize(POOL_SIZE)
      .setMaxPoolWaiting(MAX_WAITING)
      .setMaxWaitingHandlers(MAX_WAITING);
    switch (config.topology()) {
      case STANDALONE -> options.setType(RedisClientType.STANDALONE);
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setMasterName(config.masterName()).setRole(RedisRole.MASTER);
      case CLUSTER -> options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER);
    }
    Redis client = Redis.createClient(vertx, options);
    return new RedisRefreshTokenStore(config.topology() == RedisConfig.Topology.CLUSTER
      ? new BoundedRedis(client, POOL_SIZE / 2, MAX_WAITING) : client, config, policy);
  }

  @Override
  public Future<IssuedRefreshToken> issue(String subject, String familyId, JsonObject user, String client) {
    String tag = tagOf(subject);
    if (familyId != null && !familyId.startsWith(tag + ".")) {
      return Future.failedFuture(new IllegalArgumentException("family " + familyId + " is not of this subject"));
    }
    long now = policy.now();
    String id = familyId == null ? tag + "." + RefreshPolicy.newFamilyId() : familyId;
    String token = id + "." + OpaqueTokens.generate();
    return write(ISSUE, tag, List.of(familyKey(id), tokenKey(id, token), key(tag, "s", subject)),
      List.of(id, subject, user.encode(), client == null ? "" : client, Long.toString(now),
        Long.toString(policy.familyExpiry(now)), Long.toString(policy.ttlMillis())))
      .map(expiresAt -> new IssuedRefreshToken(token, id, Long.parseLong(expiresAt.toString())));
  }

  @Override
  public Future<Rotation> rotate(String token) {
    return present(token, false);
  }

  @Override
  public Future<Rotation> keep(String token) {
    return present(token, true);
  }

  /** Rotates the token, or keeps it current: one script, so that both apply the same grace and reuse rules. */
  private Future<Rotation> present(String token, boolean keep) {
    String familyId = familyOfToken(token);
    if (familyId == null) {
      return Future.succeededFuture(Rotation.failed(Outcome.UNKNOWN));
    }
    String successor = keep ? null : familyId + "." + OpaqueTokens.generate();
    String sealed = keep || minReplicasAcked == 0 ? "" : seal(token, successor);
    String tokenKey = tokenKey(familyId, token);
    Future<Response> presented = write(ROTATE, tagOfFamily(familyId),
      List.of(tokenKey, keep ? tokenKey : tokenKey(familyId, successor), familyKey(familyId)),
      List.of(Long.toString(policy.now()), Long.toString(policy.graceMillis()), Long.toString(policy.ttlMillis()), sealed,
        keep ? "keep" : "rotate"));
    return presented.compose(reply -> {
      Outcome outcome = Outcome.valueOf(reply.get(0).toString());
      if (!outcome.refreshes()) {
        return Future.succeededFuture(Rotation.failed(outcome));
      }
      RefreshRecord record = new RefreshRecord(reply.get(1).toString(), reply.get(2).toString(),
        new JsonObject(reply.get(3).toString()), Long.parseLong(reply.get(4).toString()), Long.parseLong(reply.get(5).toString()));
      boolean unconfirmed = reply.size() > 6;
      Rotation rotation = switch (outcome) {
        case ROTATED -> Rotation.rotated(successor, record);
        case KEPT -> Rotation.kept(record);
        default -> Rotation.grace(record, unconfirmed ? unseal(token, reply.get(6).toString()) : null);
      };
      // The replicas hold the successor and the client is about to: later presentations follow the grace rule.
      return unconfirmed || outcome == Outcome.ROTATED && !sealed.isEmpty()
        ? unavailableOnFailure(redis.hdel(List.of(tokenKey, "next", "nextExp"))).map(rotation)
        : Future.succeededFuture(rotation);
    });
  }

  @Override
  public Future<Void> revokeFamily(String familyId) {
    if (!FAMILY_ID.matcher(familyId).matches()) {
      return Future.succeededFuture();
    }
    return write(REVOKE_FAMILY, tagOfFamily(familyId), List.of(familyKey(familyId)), List.of(Long.toString(policy.now()))).mapEmpty();
  }

  @Override
  public Future<Void> revokeFamilyOf(String token) {
    String familyId = familyOfToken(token);
    if (familyId == null) {
      return Future.succeededFuture();
    }
    return write(REVOKE_FAMILY_OF, tagOfFamily(familyId), List.of(tokenKey(familyId, token), familyKey(familyId)),
      List.of(Long.toString(policy.now()))).mapEmpty();
  }

  @Override
  public Future<Void> revokeSubject(String subject) {
    String tag = tagOf(subject);
    return withSubjectsFamilies(subject, REVOKE_SUBJECT, List.of(key(tag, "s", subject), key(tag, "rev", subject)),
      List.of(Long.toString(policy.now()), Long.toString(RefreshPolicy.REVOCATION_KEPT_MS)), SUBJECT_READS)
      .compose(done -> replicated(tag)).mapEmpty();
  }

  @Override
  public Future<Long> revokedBefore(String subject) {
    return unavailableOnFailure(redis.get(key(tagOf(subject), "rev", subject))).map(value -> value == null ? 0L : value.toLong());
  }

  @Override
  public Future<FamilyRef> familyOf(String token) {
    String familyId = familyOfToken(token);
    if (familyId == null) {
      return Future.succeededFuture();
    }
    return run(FAMILY_OF, List.of(tokenKey(familyId, token), familyKey(familyId)), List.of())
      .map(subject -> subject == null ? null : new FamilyRef(familyId, subject.toString()));
  }

  @Override
  public Future<RefreshRecord> useFamily(String familyId) {
    if (!FAMILY_ID.matcher(familyId).matches()) {
      return Future.succeededFuture();
    }
    return run(USE_FAMILY, List.of(familyKey(familyId)), List.of(Long.toString(policy.now()))).map(reply -> {
      if (reply.size() < 3) {
        return null;
      }
      long expiresAt = Long.parseLong(reply.get(2).toString());
      return new RefreshRecord(familyId, reply.get(0).toString(), new JsonObject(reply.get(1).toString()), expiresAt, expiresAt);
    });
  }

  @Override
  public Future<List<FamilyInfo>> families(String subject) {
    return withSubjectsFamilies(subject, FAMILIES, List.of(key(tagOf(subject), "s", subject)), List.of(Long.toString(policy.now())), SUBJECT_READS)
      .map(reply -> {
        List<FamilyInfo> families = new ArrayList<>();
        for (int i = 1; i + 3 < reply.size(); i += 4) {
          String client = reply.get(i + 3).toString();
          families.add(new FamilyInfo(reply.get(i).toString(), Long.parseLong(reply.get(i + 1).toString()),
            Long.parseLong(reply.get(i + 2).toString()), client.isEmpty() ? null : client));
        }
        families.sort(java.util.Comparator.comparingLong(FamilyInfo::createdAt).thenComparing(FamilyInfo::familyId));
        return families;
      });
  }

  /**
   * Runs a script over the subject's family set and every family in it, which it must name in KEYS: reads the
   * set, then runs the script, which answers 0 when a family was added in between; then again.
   */
  private Future<Response> withSubjectsFamilies(String subject, Script script, List<String> keys, List<String> args, int reads) {
    String tag = tagOf(subject);
    return unavailableOnFailure(redis.smembers(key(tag, "s", subject))).compose(members -> {
      List<String> allKeys = new ArrayList<>(keys);
      List<String> allArgs = new ArrayList<>(args);
      for (Response member : members) {
        allKeys.add(familyKey(member.toString()));
        allArgs.add(member.toString());
      }
      return run(script, allKeys, allArgs);
    }).compose(reply -> {
      boolean stale = reply.type() == ResponseType.MULTI ? reply.get(0).toInteger() == 0 : reply.toInteger() == 0;
      if (!stale) {
        return Future.succeededFuture(reply);
      }
      return reads > 1 ? withSubjectsFamilies(subject, script, keys, args, reads - 1)
        : Future.failedFuture(new StoreUnavailableException("Redis: the subject's families kept changing", null));
    });
  }

  @Override
  public Future<Boolean> putProviderGrant(String familyId, String providerSession, JsonObject grant) {
    if (!FAMILY_ID.matcher(familyId).matches()) {
      return Future.succeededFuture(false);
    }
    return run(PUT_PROVIDER_GRANT, List.of(familyKey(familyId)), List.of(Long.toString(policy.now()), grant.encode()))
      .compose(expiresAt -> {
        if (expiresAt.toLong() == 0) {
          return Future.succeededFuture(false);
        }
        // The provider session's set has a slot of its own: a back-channel logout names only the session.
        return providerSession == null ? Future.succeededFuture(true)
          : run(ADD_TO_SET, List.of(providerSessionKey(providerSession)), List.of(familyId, expiresAt.toString())).map(true);
      });
  }

  @Override
  public Future<JsonObject> providerGrant(String familyId) {
    if (!FAMILY_ID.matcher(familyId).matches()) {
      return Future.succeededFuture();
    }
    return run(PROVIDER_GRANT, List.of(familyKey(familyId)), List.of(Long.toString(policy.now())))
      .map(reply -> reply == null ? null : new JsonObject(reply.toString()));
  }

  /** Each family is in its subject's slot: one read each, and the set forgets those that are gone. */
  @Override
  public Future<List<String>> familiesOfProviderSession(String providerSession) {
    String set = providerSessionKey(providerSession);
    long now = policy.now();
    return unavailableOnFailure(redis.smembers(set)).compose(members -> {
      List<String> ids = new ArrayList<>();
      members.forEach(member -> ids.add(member.toString()));
      List<Future<Response>> families = ids.stream()
        .map(id -> FAMILY_ID.matcher(id).matches() ? unavailableOnFailure(redis.hmget(List.of(familyKey(id), "exp", "revoked")))
          : Future.<Response>succeededFuture())
        .toList();
      return Future.all(families).compose(read -> {
        List<String> live = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
          Response family = families.get(i).result();
          if (family == null || family.get(0) == null) {
            gone.add(ids.get(i));
          } else if (family.get(1) == null && now <= family.get(0).toLong()) {
            live.add(ids.get(i));
          }
        }
        if (gone.isEmpty()) {
          return Future.succeededFuture(live);
        }
        List<String> remove = new ArrayList<>(gone);
        remove.add(0, set);
        return unavailableOnFailure(redis.srem(remove)).map(live);
      });
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

  /** A change to a family: run, and confirmed only once enough replicas hold it. */
  private Future<Response> write(Script script, String tag, List<String> keys, List<String> args) {
    return run(script, keys, args).compose(reply -> replicated(tag).map(reply));
  }

  /**
   * WAIT for {@code minReplicasAcked} replicas, on the node of the tag's slot. WAIT counts what the connection
   * itself wrote, so it follows a small write of its own on that connection: it comes after the change in the
   * replication stream, so a replica that has it has the change. A batch keeps both on one connection, and
   * vertx-redis-client sends a batch to the node of its keys' slot.
   */
  private Future<Void> replicated(String tag) {
    if (minReplicasAcked == 0) {
      return Future.succeededFuture();
    }
    return unavailableOnFailure(client.batch(List.of(
        Request.cmd(Command.SET).arg(key(tag, "w", "")).arg("1").arg("PX").arg(60_000),
        Request.cmd(Command.WAIT).arg(minReplicasAcked).arg(replicaAckTimeoutMs))))
      .compose(replies -> {
        int acked = replies.get(1).toInteger();
        return acked >= minReplicasAcked ? Future.<Void>succeededFuture()
          : Future.failedFuture(new StoreUnavailableException("Redis: " + acked + " of " + minReplicasAcked
            + " replicas acknowledged within " + replicaAckTimeoutMs + " ms", null));
      });
  }

  /** {@code <prefix>{<tag>}<kind>:<id>}: the tag decides the Cluster slot. */
  private String key(String tag, String kind, String id) {
    return prefix + "{" + tag + "}" + kind + ":" + id;
  }

  private String familyKey(String familyId) {
    return key(tagOfFamily(familyId), "f", familyId);
  }

  private String tokenKey(String familyId, String token) {
    return key(tagOfFamily(familyId), "t", OpaqueTokens.hash(token));
  }

  private String providerSessionKey(String providerSession) {
    return key(tagOf(providerSession), "ps", providerSession);
  }

  /** Eight hex digits of the SHA-256: spreads subjects over the slots, and holds no character Redis reads as a tag's end. */
  private static String tagOf(String subject) {
    return HexFormat.of().formatHex(sha256(subject.getBytes(StandardCharsets.UTF_8)), 0, 4);
  }

  private static String tagOfFamily(String familyId) {
    return familyId.substring(0, familyId.indexOf('.'));
  }

  /** The family a token of this store names ({@code <family id>.<secret>}), or null for anything else. */
  private static String familyOfToken(String token) {
    int dot = token.lastIndexOf('.');
    return dot > 0 && FAMILY_ID.matcher(token).region(0, dot).matches() ? token.substring(0, dot) : null;
  }

  /**
   * The successor's secret, encrypted with a key only the presented token gives (a one-time pad from its
   * SHA-256): a copy of the database alone yields no usable token, as the stored hashes do not.
   */
  private static String seal(String presented, String successor) {
    return BASE64URL.encodeToString(xor(secretOf(successor), padOf(presented)));
  }

  private static String unseal(String presented, String sealed) {
    return familyOfToken(presented) + "." + BASE64URL.encodeToString(xor(Base64.getUrlDecoder().decode(sealed), padOf(presented)));
  }

  private static byte[] secretOf(String token) {
    return Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
  }

  private static byte[] padOf(String presented) {
    return sha256(("successor of " + presented).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] xor(byte[] secret, byte[] pad) {
    byte[] out = new byte[secret.length];
    for (int i = 0; i < secret.length; i++) {
      out[i] = (byte) (secret[i] ^ pad[i % pad.length]);
    }
    return out;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * A Redis that drops packets instead of refusing connections must not hold requests for minutes: past a few
   * seconds an operation counts as the store being unavailable (a temporary 503), like a refused connection.
   */
  private static <T> Future<T> unavailableOnFailure(Future<T> operation) {
    return operation.timeout(OPERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS)
      .recover(failure -> Future.failedFuture(failure instanceof StoreUnavailableException ? failure
        : new StoreUnavailableException("Redis: " + failure.getMessage(), failure)));
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
