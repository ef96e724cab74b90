package dev.bffgateway.token;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import dev.bffgateway.ops.Metrics;

import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers verified tokens so the proxy hot path verifies each token once, not on every request. One per
 * event loop, so it needs no locks; bounded (least recently used goes first); keyed by the token's SHA-256 so
 * the heap holds no usable token; an entry lives no longer than its token. A miss costs one hash more than
 * verifying directly. A hit allocates nothing: the token's bytes and digest go through buffers the cache reuses.
 */
public final class VerifiedTokenCache {
  private final int capacity;
  private final Clock clock;
  private final MessageDigest sha256;
  private byte[] tokenBytes = new byte[1024];
  private final byte[] digest = new byte[32];
  private final ByteBuffer probe = ByteBuffer.wrap(digest);
  private final LinkedHashMap<ByteBuffer, VerifiedToken> entries;
  private final Metrics metrics;
  private TokenVerifier verifier;
  private long hits;
  private long misses;

  public VerifiedTokenCache(TokenVerifier verifier, int capacity, Clock clock, Metrics metrics) {
    this.verifier = verifier;
    this.metrics = metrics;
    this.capacity = capacity;
    this.clock = clock;
    this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteBuffer, VerifiedToken> eldest) {
        return size() > VerifiedTokenCache.this.capacity;
      }
    };
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Verifies a token this gateway has just signed, which cannot fail unless the gateway is broken. */
  public VerifiedToken verifyOwn(String token) {
    try {
      return verify(token);
    } catch (TokenRejection impossible) {
      throw new IllegalStateException("a token the gateway just signed does not verify: " + impossible.reason(), impossible);
    }
  }

  public VerifiedToken verify(String token) throws TokenRejection {
    if (capacity == 0 || token == null || token.length() > TokenVerifier.MAX_TOKEN_LENGTH) {
      return verified(token);
    }
    if (!digestOf(token)) {
      return verified(token);
    }
    VerifiedToken cached = entries.get(probe);
    if (cached != null) {
      if (clock.millis() / 1000 <= cached.expiresAt() + verifier.leewaySeconds()) {
        hits++;
        metrics.cacheHit();
        return cached;
      }
      entries.remove(probe);
    }
    misses++;
    metrics.cacheMiss();
    VerifiedToken verified = verified(token);
    entries.put(ByteBuffer.wrap(digest.clone()), verified);
    return verified;
  }

  /**
   * Puts the token's SHA-256 in {@link #digest}; false for a token with a character outside ASCII, which no
   * valid token has and which must not share a digest with the ASCII token it would be truncated to.
   */
  private boolean digestOf(String token) {
    int length = token.length();
    if (tokenBytes.length < length) {
      tokenBytes = new byte[length];
    }
    for (int i = 0; i < length; i++) {
      char c = token.charAt(i);
      if (c >= 0x80) {
        Arrays.fill(tokenBytes, 0, i, (byte) 0);
        return false;
      }
      tokenBytes[i] = (byte) c;
    }
    sha256.update(tokenBytes, 0, length);
    // The buffer outlives the request: cleared, it keeps the promise that the heap holds no usable token.
    Arrays.fill(tokenBytes, 0, length, (byte) 0);
    try {
      sha256.digest(digest, 0, digest.length);
    } catch (DigestException impossible) {
      throw new IllegalStateException("a SHA-256 digest is 32 bytes", impossible);
    }
    return true;
  }

  private VerifiedToken verified(String token) throws TokenRejection {
    try {
      return verifier.verify(token);
    } catch (TokenRejection rejection) {
      metrics.tokenRejected(rejection.reason());
      throw rejection;
    }
  }

  /** New keys: forget everything verified with the old ones, so a removed key's tokens stop working at once. */
  public void replaceVerifier(TokenVerifier newVerifier) {
    verifier = newVerifier;
    entries.clear();
  }

  public int size() {
    return entries.size();
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }
}
