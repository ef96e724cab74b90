package dev.bffgateway.edge;

import dev.bffgateway.token.Tokens;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/** The gateway's public keys at {@code /.well-known/jwks.json}, for backends that verify its tokens themselves. */
public final class JwksEndpoint {
  private JwksEndpoint() {
  }

  public static void mount(Router router, Tokens tokens) {
    String cacheControl = "public, max-age=" + tokens.jwksMaxAgeSeconds();
    router.get(Tokens.JWKS_PATH).handler(ctx -> ctx.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl)
      .end(tokens.jwks()));
  }
}
