package dev.bffgateway.token;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.bffgateway.support.MutableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backend using another JOSE library verifies the gateway's tokens from the JWKS JSON alone. */
class NimbusInteropTest {
  @ParameterizedTest
  @EnumSource(value = JwsAlgorithm.class, names = {"ES256", "RS256"})
  void independentLibraryVerifiesFromTheJwks(JwsAlgorithm algorithm) throws Exception {
    TokenKey signing = TestKeys.generate(algorithm, null);
    TokenKey other = TestKeys.generate(JwsAlgorithm.ES256, null);
    String jwksJson = Tokens.jwks(new TokenKeys(List.of(other, signing), signing)).encode();
    String token = new AccessTokenIssuer(new TokenSigner(signing), TestKeys.config(List.of("orders-api")), MutableClock.atNow())
      .issue(new Identity("42", "alice", "Alice", null, List.of("Admin"), List.of())).token();

    JWKSet set = JWKSet.parse(jwksJson);
    SignedJWT jwt = SignedJWT.parse(token);
    JWK jwk = set.getKeyByKeyId(jwt.getHeader().getKeyID());
    assertEquals(signing.kid(), jwk.computeThumbprint().toString(), "kid is the RFC 7638 thumbprint");
    JWSVerifier jwsVerifier = jwk instanceof ECKey ecKey ? new ECDSAVerifier(ecKey) : new RSASSAVerifier((RSAKey) jwk);
    assertTrue(jwt.verify(jwsVerifier));
    assertEquals("42", jwt.getJWTClaimsSet().getSubject());
    assertEquals(List.of("orders-api"), jwt.getJWTClaimsSet().getAudience());
    assertEquals(List.of("Admin"), jwt.getJWTClaimsSet().getStringListClaim("roles"));
  }
}
