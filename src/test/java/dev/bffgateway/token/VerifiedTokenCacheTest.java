package dev.bffgateway.token;

import dev.bffgateway.ops.Metrics;
import dev.bffgateway.support.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VerifiedTokenCacheTest {
  private static final Identity USER = new Identity("7", "bob", "Bob", null, List.of(), List.of());

  private final MutableClock clock = MutableClock.atNow();
  private final TokenKey key = TestKeys.generate(JwsAlgorithm.ES256, "k");
  private final TokenVerifier verifier = new TokenVerifier(List.of(key), TestKeys.ISSUER, List.of(), 30, clock);
  private final AccessTokenIssuer issuer = new AccessTokenIssuer(new TokenSigner(key), TestKeys.config(List.of()), clock);

  @Test
  void verifiesEachTokenOnce() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    String token = issuer.issue(USER).token();

    VerifiedToken first = cache.verify(token);
    VerifiedToken second = cache.verify(token);
    assertSame(first, second);
    assertEquals(1, cache.misses());
    assertEquals(1, cache.hits());
  }

  @Test
  void entriesExpireWithTheirToken() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    String token = issuer.issue(USER).token();
    cache.verify(token);

    clock.advance(Duration.ofSeconds(900 + 30));
    cache.verify(token);
    assertEquals(1, cache.hits(), "still valid within the leeway");
    clock.advance(Duration.ofSeconds(1));
    TokenRejection expired = assertThrows(TokenRejection.class, () -> cache.verify(token));
    assertEquals(TokenRejection.Reason.EXPIRED, expired.reason());
    assertEquals(0, cache.size());
  }

  @Test
  void staysWithinItsBoundEvictingTheLeastRecentlyUsed() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 3, clock, Metrics.standalone());
    String kept = issuer.issue(USER).token();
    cache.verify(kept);
    for (int i = 0; i < 10; i++) {
      cache.verify(issuer.issue(USER).token());
      cache.verify(kept);
      assertEquals(Math.min(i + 2, 3), cache.size());
    }
    assertEquals(10, cache.hits(), "the recently used token stayed");
  }

  @Test
  void tokensOfARemovedKeyDropOutWhenKeysReload() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    String token = issuer.issue(USER).token();
    cache.verify(token);

    TokenKey replacement = TestKeys.generate(JwsAlgorithm.ES256, "k2");
    cache.replaceVerifier(new TokenVerifier(List.of(replacement), TestKeys.ISSUER, List.of(), 30, clock));
    TokenRejection rejected = assertThrows(TokenRejection.class, () -> cache.verify(token));
    assertEquals(TokenRejection.Reason.UNKNOWN_KEY, rejected.reason());
  }

  @Test
  void aTokenWithACharacterOutsideAsciiIsNeverTheCachedTokenItTruncatesTo() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    String token = issuer.issue(USER).token();
    cache.verify(token);
    int last = token.length() - 1;
    // Its low byte is the valid token's last character, and US-ASCII encoding would have made both '?' here.
    String wide = token.substring(0, last) + (char) (0x100 | token.charAt(last));

    assertThrows(TokenRejection.class, () -> cache.verify(wide));
    assertEquals(0, cache.hits());
    assertSame(cache.verify(token), cache.verify(token), "the valid token is still cached");
    assertEquals(2, cache.hits());
  }

  @Test
  void tokensLongerThanTheFirstBufferAreCachedToo() throws TokenRejection {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    List<String> roles = java.util.Collections.nCopies(120, "a-role-with-a-long-name");
    String token = issuer.issue(new Identity("7", "bob", "Bob", null, roles, List.of())).token();

    assertSame(cache.verify(token), cache.verify(token));
    assertEquals(1, cache.hits());
  }

  @Test
  void rejectionsAreNotCached() {
    VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 10, clock, Metrics.standalone());
    assertThrows(TokenRejection.class, () -> cache.verify("a.b.c"));
    assertThrows(TokenRejection.class, () -> cache.verify("a.b.c"));
    assertEquals(0, cache.size());
  }
}
