package dev.bffgateway.config;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
  private static final ConfigLoader NO_ENV = new ConfigLoader(name -> null, 4);

  @Test
  void reportsEveryErrorAtOnceWithItsJsonPath() {
    String file = """
      {
        "dataDir": 7,
        "rutes": [],
        "server": { "port": "eighty", "prt": 1, "instances": -1, "tls": { "certPath": "/nonexistent/cert.pem" }, "transport": "dpdk", "h2c": "yes" },
        "proxy": { "poolSize": 0, "idleTimeoutSeconds": 0 },
        "routes": [
          { "path": "/a", "upstream": "http://127.0.0.1:9000" },
          { "id": "b", "path": "/b", "upstream": "htp://x" },
          { "id": "c", "path": "c/", "upstream": "http://h", "methods": ["GT", "GET"], "timeoutMs": 0 },
          { "id": "b", "path": "/b", "upstream": "http://h?x=1" },
          { "id": "e", "path": "/e/../f", "upstream": "http://h", "auth": "sometimes", "stripPrefx": true },
          { "id": "f", "path": "/f", "upstream": "${MISSING_UPSTREAM}" },
          { "id": "g", "path": "/health/deep", "upstream": "http://h" },
          "not an object"
        ]
      }
      """;
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));

    List<String> expected = List.of(
      "routes[5].upstream: environment variable MISSING_UPSTREAM is not set (write ${MISSING_UPSTREAM:-default} to give a default)",
      "dataDir: must be a string, not 7",
      "server.port: must be a whole number, not \"eighty\"",
      "server.tls.certPath: \"/nonexistent/cert.pem\" is not a readable file",
      "server.tls.keyPath: is required",
      "server.instances: -1 is out of range (0 to 256)",
      "server.transport: \"dpdk\" is not one of auto, io_uring, epoll, nio",
      "server.h2c: must be true or false, not \"yes\"",
      "server.prt: unknown key (did you mean \"port\"?)",
      "proxy.poolSize: 0 is out of range (1 to 10000)",
      "proxy.idleTimeoutSeconds: 0 is out of range (1 to 3600)",
      "routes[0].id: is required",
      "routes[1].upstream: \"htp://x\" is not an http(s) URL",
      "routes[2].path: \"c/\" must start with '/', have no empty, '.' or '..' segments, no trailing '/', and no '%', '?' or '#'",
      "routes[2].methods[0]: \"GT\" is not one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
      "routes[2].timeoutMs: 0 is out of range (1 to 3600000)",
      "routes[3].upstream: \"http://h?x=1\" must not have a query, fragment or credentials",
      "routes[4].path: \"/e/../f\" must start with '/', have no empty, '.' or '..' segments, no trailing '/', and no '%', '?' or '#'",
      "routes[4].auth: \"sometimes\" is not one of none, optional, required",
      "routes[4].stripPrefx: unknown key (did you mean \"stripPrefix\"?)",
      "routes[6].path: \"/health/deep\" is under /health, which the gateway serves itself",
      "routes[7]: must be an object, not \"not an object\"",
      "rutes: unknown key (did you mean \"routes\"?)");
    assertEquals(Set.copyOf(expected), Set.copyOf(e.errors()), String.join("\n", e.errors()));
    assertEquals(expected.size(), e.errors().size());
  }

  @Test
  void validatesTheTokensSection(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("key.pem"), "x");
    String file = """
      { "tokens": {
          "issuer": "",
          "audience": ["orders", ""],
          "accessTokenTtlSeconds": 5,
          "keys": [
            { "secret": "too-short", "signing": true },
            { "pem": "%s", "secret": "0123456789abcdef0123456789abcdef" },
            { "id": "two words", "pem": "/nonexistent.pem", "signing": true },
            { }
          ] },
        "routes": [ { "id": "k", "path": "/.well-known/keys", "upstream": "http://h" } ] }
      """.formatted(pem);
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));
    assertEquals(Set.of(
      "tokens.issuer: must not be empty",
      "tokens.audience: must not contain empty values",
      "tokens.accessTokenTtlSeconds: 5 is out of range (10 to 86400)",
      "tokens.keys[0].secret: is 9 bytes; an HS256 secret needs at least 32 (e.g. openssl rand -base64 48)",
      "tokens.keys[1].secret: give either \"pem\" (a key file) or \"secret\" (an HS256 secret)",
      "tokens.keys[2].id: \"two words\" must be 1-64 letters, digits, '.', '_' or '-'",
      "tokens.keys[2].pem: \"/nonexistent.pem\" is not a readable file",
      "tokens.keys[3].pem: give either \"pem\" (a key file) or \"secret\" (an HS256 secret)",
      "routes[0].path: \"/.well-known/keys\" is under /.well-known, which the gateway serves itself"),
      Set.copyOf(e.errors()), String.join("\n", e.errors()));
  }

  @Test
  void readsTokenDefaultsAndKeys() throws ConfigException {
    GatewayConfig config = new ConfigLoader(Map.of("JWT_SECRET", "0123456789abcdef0123456789abcdef")::get, 2).parse("""
      { "tokens": { "audience": "orders-api", "keys": [ { "id": "hs", "secret": "${JWT_SECRET}", "signing": true } ] } }
      """);
    TokensConfig tokens = config.tokens();
    assertEquals("bff-gateway", tokens.issuer());
    assertEquals(List.of("orders-api"), tokens.audience());
    assertEquals(900, tokens.accessTokenTtlSeconds());
    assertEquals(30, tokens.clockLeewaySeconds());
    assertEquals(10_000, tokens.verifiedCacheSize());
    assertEquals(300, tokens.jwksMaxAgeSeconds());
    assertEquals(1, tokens.keys().size());
    assertEquals("hs", tokens.keys().get(0).id());
    assertEquals("tokens.keys[0]", tokens.keys().get(0).path());
    assertTrue(tokens.keys().get(0).signing());
    assertTrue(!tokens.keys().get(0).toString().contains("0123456789abcdef"), "the secret never reaches a log line");
  }

  @Test
  void validatesCookiesCredentialsStoreAndRefreshTokens() {
    String file = """
      { "cookies": { "secure": "sometimes", "sameSite": "None", "hostPrefix": true, "domain": "example.com", "accessToken": "ss tok" },
        "credentials": { "type": "http", "http": { "url": "ftp://x", "fields": { "id": "uid", "nick": "n" } }, "maxFailures": 0,
          "maxFailuresPerAddress": 0 },
        "store": { "type": "redis", "redis": { "keyPrefix": "x:" } },
        "refreshTokens": { "ttlSeconds": 7200, "maxLifetimeSeconds": 3600 } }
      """;
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));
    assertEquals(Set.of(
      "cookies.secure: \"sometimes\" is not one of always, auto",
      "cookies.sameSite: \"None\" is not one of Lax, Strict",
      "cookies.hostPrefix: __Host- cookies cannot have a Domain: remove cookies.domain or cookies.hostPrefix",
      "cookies.accessToken: \"ss tok\" is not a valid cookie name",
      "credentials.http.url: \"ftp://x\" is not an http(s) URL",
      "credentials.http.fields.nick: unknown key",
      "credentials.maxFailures: 0 is out of range (1 to 1000)",
      "credentials.maxFailuresPerAddress: 0 is out of range (1 to 1000000)",
      "store.redis.url: is required (or sentinels with masterName, or cluster)",
      "refreshTokens.maxLifetimeSeconds: 3600 is shorter than ttlSeconds (7200)"), Set.copyOf(e.errors()), String.join("\n", e.errors()));
  }

  @Test
  void validatesOpenIdProvidersAndProviderTokenRelays() {
    String file = """
      { "credentials": { "oidc": [
          { "name": "Keycloak", "issuer": "keycloak.example", "clientId": "gw" },
          { "name": "okta-both", "issuer": "https://okta.example", "clientId": "gw", "clientSecret": "s", "privateKeyFile": "/k.pem" },
          { "name": "auth0", "issuer": "https://auth0.example", "clientId": "gw", "privateKeyFile": "/nonexistent/key.pem",
            "errorPage": "//evil.example/x", "postLogoutRedirectUri": "ftp://x" },
          { "name": "okta", "issuer": "https://okta.example", "clientId": "gw", "clientSecret": "s" },
          { "name": "okta", "issuer": "https://okta.example", "clientId": "gw", "clientSecret": "s" } ] },
        "routes": [
          { "id": "a", "path": "/a", "upstream": "http://h", "auth": "optional", "upstreamToken": "idp" },
          { "id": "b", "path": "/b", "upstream": "http://h", "auth": "required", "upstreamToken": "keycloak" } ] }
      """;
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));
    assertEquals(Set.of(
      "credentials.oidc[0].name: \"Keycloak\" must be 1-32 lower-case letters, digits or '-', and not one of credentials, logout, sessions",
      "credentials.oidc[0].issuer: \"keycloak.example\" is not an http(s) URL",
      "credentials.oidc[0].clientSecret: give exactly one of clientSecret (client_secret_basic) and privateKeyFile (private_key_jwt)",
      "credentials.oidc[1].clientSecret: give exactly one of clientSecret (client_secret_basic) and privateKeyFile (private_key_jwt)",
      "credentials.oidc[2].privateKeyFile: \"/nonexistent/key.pem\" is not a readable file",
      "credentials.oidc[2].errorPage: \"//evil.example/x\" must be a path on this site (\"/signin-failed\") or an http(s) URL",
      "credentials.oidc[2].postLogoutRedirectUri: \"ftp://x\" is not an http(s) URL",
      "credentials.oidc[4].name: \"okta\" is already the name of another provider",
      "routes[0].upstreamToken: \"idp\" needs \"auth\": \"required\": only a signed-in user has a provider's token to relay",
      "routes[1].upstreamToken: must be \"idp\" (relay the OpenID provider's token) or an object (mint a token for the upstream)"),
      Set.copyOf(e.errors()));

    ConfigException noProvider = assertThrows(ConfigException.class, () -> NO_ENV.parse("""
      { "routes": [ { "id": "a", "path": "/a", "upstream": "http://h", "auth": "required", "upstreamToken": "idp" } ] }
      """));
    assertEquals(List.of("routes: \"upstreamToken\": \"idp\" needs an OpenID provider in credentials.oidc: nobody would have a token to relay"),
      noProvider.errors());
  }

  @Test
  void cookieAndCredentialDefaults() throws ConfigException {
    GatewayConfig config = NO_ENV.parse("{}");
    assertEquals(new CookiesConfig("ss-tok", "ss-reftok", "ss-id", CookiesConfig.Secure.ALWAYS, "Lax", null, true), config.cookies());
    assertEquals(CredentialsConfig.Type.NONE, config.credentials().type(), "no password sign-in unless asked for");
    assertEquals(5, config.credentials().maxFailures());
    assertEquals(100, config.credentials().maxFailuresPerAddress());
    assertEquals(900, config.credentials().failureWindowSeconds());
    assertEquals(600_000, config.credentials().hashIterations());
    assertEquals(new CredentialsConfig.Checks(4, 16), config.credentials().checks(), "the cores, and four waiting for each");
    assertEquals(CredentialsConfig.Type.NONE, NO_ENV.parse("{ \"credentials\": { \"maxFailures\": 3 } }").credentials().type());
    CredentialsConfig users = NO_ENV.parse("{ \"credentials\": { \"type\": \"users\" } }").credentials();
    assertEquals(CredentialsConfig.Type.USERS, users.type());
    assertEquals(Path.of("conf/users.json").toAbsolutePath(), users.usersFile());
    assertEquals(CredentialsConfig.Type.USERS, NO_ENV.parse("{ \"credentials\": { \"usersFile\": \"users.json\" } }").credentials().type());
    assertEquals(CredentialsConfig.Type.HTTP, NO_ENV.parse("{ \"credentials\": { \"http\": { \"url\": \"http://h/login\" } } }")
      .credentials().type());
    assertEquals(new RefreshTokensConfig(14 * 86_400, 30 * 86_400, 10, RefreshTokensConfig.Rotate.COOKIES), config.refreshTokens());
    assertEquals(StoreConfig.Type.SQLITE, config.store().type());
    assertEquals(Path.of("conf/data/bff-gateway.db").toAbsolutePath(), config.store().sqlitePath());
    assertTrue(config.tokens().accessTokenInBody());
  }

  @Test
  void validatesRoutePoliciesCsrfAndCors() {
    String file = """
      { "tokens": { "audience": "gateway" },
        "routes": [
          { "id": "a", "path": "/a", "upstream": "http://h", "roles": ["Admin"], "identityHeaders": true },
          { "id": "b", "path": "/b", "upstream": "http://h", "auth": "required", "upstreamToken": { "ttlSeconds": 1 } },
          { "id": "c", "path": "/c", "upstream": "http://h", "auth": "optional", "permissions": ["x"] },
          { "id": "d", "path": "/d", "upstream": "http://h", "auth": "required", "upstreamToken": { "audience": "gateway" } } ],
        "csrf": { "trustedOrigins": ["https://app.example.com/", "https://ok.example.com", "*", "https://App.example.com",
                                     "https://app.example.com:443"], "requireHeader": "X-CSRF" },
        "cors": { "allowedOrigins": ["*", "app.example.com"] } }
      """;
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));
    assertEquals(Set.of(
      "routes[0].roles: needs \"auth\": \"required\": otherwise anonymous callers would pass where signed-in ones cannot",
      "routes[0].identityHeaders: needs \"auth\": \"required\" or \"optional\"",
      "routes[1].upstreamToken.audience: is required",
      "routes[1].upstreamToken.ttlSeconds: 1 is out of range (5 to 3600)",
      "routes[2].permissions: needs \"auth\": \"required\": otherwise anonymous callers would pass where signed-in ones cannot",
      "routes[3].upstreamToken: audience \"gateway\" is the gateway's own (tokens.audience): the upstream could use its tokens at the gateway",
      "csrf.trustedOrigins[0]: \"https://app.example.com/\" is not an origin like https://app.example.com (no path, no trailing /)",
      "csrf.trustedOrigins[2]: \"*\" would trust every site: list the exact origins",
      "csrf.trustedOrigins[3]: \"https://App.example.com\" must be lower case, as browsers send it",
      "csrf.trustedOrigins[4]: \"https://app.example.com:443\" must leave out the default port, as browsers do",
      "csrf.requireHeader: \"X-CSRF\" must be \"Name: value\", e.g. \"X-CSRF: 1\"",
      "cors.allowedOrigins[0]: \"*\" cannot be used with credentials: list the exact origins",
      "cors.allowedOrigins[1]: \"app.example.com\" is not an origin like https://app.example.com (no path, no trailing /)"),
      Set.copyOf(e.errors()), String.join("\n", e.errors()));
  }

  @Test
  void readsRoutePoliciesCsrfAndCors() throws ConfigException {
    GatewayConfig config = NO_ENV.parse("""
      { "routes": [ { "id": "o", "path": "/o", "upstream": "http://h", "auth": "required", "roles": ["Admin"],
                      "permissions": ["orders.write"], "identityHeaders": true,
                      "upstreamToken": { "audience": "orders-api" } } ],
        "csrf": { "trustedOrigins": ["https://app.example.com"], "requireHeader": "X-CSRF: 1" },
        "cors": { "allowedOrigins": ["https://app.example.com"], "exposedHeaders": ["X-Total"] } }
      """);
    RouteConfig route = config.routes().get(0);
    assertEquals(AuthMode.REQUIRED, route.auth());
    assertEquals(List.of("Admin"), route.roles());
    assertEquals(List.of("orders.write"), route.permissions());
    assertTrue(route.identityHeaders());
    assertEquals(new RouteConfig.UpstreamToken("orders-api", 60, List.of("sub", "name", "preferred_username", "email", "roles", "perms")),
      route.upstreamToken());
    assertEquals(new CsrfConfig(Set.of("https://app.example.com"), "X-CSRF", "1"), config.csrf());
    assertEquals(List.of("X-Total", "X-Cookies", "X-Request-Id"), config.cors().exposedHeaders());
    assertTrue(config.cors().allowCredentials());
  }

  @Test
  void adminReservesItsPathOnlyWhenEnabled() throws ConfigException {
    String route = "\"routes\": [ { \"id\": \"a\", \"path\": \"/admin/tools\", \"upstream\": \"http://h\" } ]";
    assertEquals(new AdminConfig(false, "Admin"), NO_ENV.parse("{ " + route + " }").admin());
    ConfigException e = assertThrows(ConfigException.class,
      () -> NO_ENV.parse("{ \"admin\": { \"enabled\": true, \"role\": \"Ops\" }, " + route + " }"));
    assertEquals(List.of("routes[0].path: \"/admin/tools\" is under /admin, which the gateway serves itself while admin.enabled is true"),
      e.errors());
  }

  @Test
  void readsAndValidatesSessionsAndStaticFiles(@TempDir Path dir) throws ConfigException {
    GatewayConfig defaults = NO_ENV.parse("{}");
    assertEquals(new SessionsConfig(SessionsConfig.Mode.TOKENS, 1800, 30 * 86_400), defaults.sessions());
    assertEquals(new WebConfig(null, false), defaults.web());
    GatewayConfig set = NO_ENV.parse("{ \"sessions\": { \"mode\": \"session\", \"idleTimeoutSeconds\": 600, \"maxLifetimeSeconds\": 3600 },"
      + " \"web\": { \"root\": \"" + dir + "\" } }");
    assertTrue(set.sessions().pureBff());
    assertEquals(new WebConfig(dir.toAbsolutePath(), false), set.web());
    assertEquals(new WebConfig(null, true), NO_ENV.parse("{ \"web\": { \"root\": \"demo\" } }").web());

    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse("""
      { "sessions": { "mode": "cookies", "idleTimeoutSeconds": 7200, "maxLifetimeSeconds": 3600 },
        "web": { "root": "/no/such/dir" },
        "routes": [ { "id": "all", "path": "/", "upstream": "http://h" } ] }"""));
    assertEquals(Set.of(
      "sessions.mode: \"cookies\" is not one of tokens, session",
      "sessions.maxLifetimeSeconds: 3600 is shorter than idleTimeoutSeconds (7200)",
      "web.root: \"/no/such/dir\" is not a directory (or \"demo\" for the demo page)"), Set.copyOf(e.errors()), String.join("\n", e.errors()));
    ConfigException hidden = assertThrows(ConfigException.class, () -> NO_ENV.parse(
      "{ \"web\": { \"root\": \"demo\" }, \"routes\": [ { \"id\": \"all\", \"path\": \"/\", \"upstream\": \"http://h\" } ] }"));
    assertEquals(List.of("routes[0].path: \"/\" would hide the static files of web.root: remove one of them"), hidden.errors());
    ConfigException exposed = assertThrows(ConfigException.class, () -> NO_ENV.parse(
      "{ \"dataDir\": \"" + dir.resolve("data") + "\", \"web\": { \"root\": \"" + dir + "\" } }"));
    assertEquals(List.of("web.root: \"" + dir + "\" contains dataDir (" + dir.resolve("data") + "): serve a directory of web files only"),
      exposed.errors());
    assertEquals(900, NO_ENV.parse("{ \"refreshTokens\": { \"ttlSeconds\": 600, \"maxLifetimeSeconds\": 900 } }").sessions().idleTimeoutSeconds(),
      "the idle timeout's default fits a short lifetime");
  }

  @Test
  void refreshTokenRotationIsCookiesOrAlways() throws ConfigException {
    assertEquals(RefreshTokensConfig.Rotate.ALWAYS, NO_ENV.parse("{ \"refreshTokens\": { \"rotate\": \"always\" } }").refreshTokens().rotate());
    assertEquals(RefreshTokensConfig.Rotate.COOKIES, NO_ENV.parse("{ \"refreshTokens\": { \"rotate\": \"cookies\" } }").refreshTokens().rotate());
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse("{ \"refreshTokens\": { \"rotate\": \"never\" } }"));
    assertEquals(List.of("refreshTokens.rotate: \"never\" is not one of cookies, always"), e.errors());
  }

  @Test
  void reportsDuplicateIdsAndPaths() {
    String file = """
      { "routes": [
          { "id": "a", "path": "/x", "upstream": "http://h" },
          { "id": "a", "path": "/x", "upstream": "http://h" } ] }
      """;
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(file));
    assertEquals(List.of(
      "routes[1].id: \"a\" is already the id of routes[0]",
      "routes[1].path: \"/x\" is already the path of routes[0]"), e.errors());
  }

  @Test
  void appliesDefaults() throws ConfigException {
    GatewayConfig config = NO_ENV.parse("{ \"routes\": [ { \"id\": \"r\", \"path\": \"/r\", \"upstream\": \"https://api.example.com/v1/\" } ] }");

    assertEquals(Path.of("conf/data").toAbsolutePath(), config.dataDir(), "beside conf/gateway.json, as text without a file is read");
    assertEquals(new ServerConfig("127.0.0.1", 8080, null, 65536, 60, 4, 20, true, 10_000, 0, ServerConfig.Transport.AUTO, false, List.of()), config.server());
    assertEquals(new ProxyConfig(128, 5000, 60, null, true, 16L << 20), config.proxy());
    RouteConfig route = config.routes().get(0);
    assertEquals(new Upstream(true, "api.example.com", 443, "/v1"), route.upstream());
    assertEquals(30_000, route.timeoutMs());
    assertEquals(AuthMode.NONE, route.auth());
    assertEquals(Set.of(), route.methods());
    assertTrue(route.allows(HttpMethod.PATCH));
    assertEquals(false, route.stripPrefix());
    assertEquals(false, route.websocket());
  }

  @ParameterizedTest
  @CsvSource(delimiterString = " => ", textBlock = """
    http://127.0.0.1:99999              => has port 99999, out of range (1 to 65535)
    http://127.0.0.1:65536              => has port 65536, out of range (1 to 65535)
    http://127.0.0.1:0                  => has port 0, out of range (1 to 65535)
    http://127.0.0.1:-1                 => has an invalid host or port (a host name or IP address, and a port from 1 to 65535)
    http://127.0.0.1:99999999999        => has an invalid host or port (a host name or IP address, and a port from 1 to 65535)
    http://under_score.example          => has an invalid host or port (a host name or IP address, and a port from 1 to 65535)
    http://:8080                        => has no host
    http:///api                         => has no host
    http://                             => is not an http(s) URL
    ftp://files.example.com             => is not an http(s) URL
    junk                                => is not an http(s) URL
    http:opaque                         => is not an http(s) URL
    http://user:secret@api.example.com  => must not have a query, fragment or credentials
    http://api.example.com/v1?x=1       => must not have a query, fragment or credentials
    http://api.example.com/v1#top       => must not have a query, fragment or credentials
    """)
  void refusesAnUpstreamThatIsNotAUsableHttpUrl(String url, String reason) {
    ConfigException e = assertThrows(ConfigException.class,
      () -> NO_ENV.parse("{ \"routes\": [ { \"id\": \"r\", \"path\": \"/r\", \"upstream\": \"" + url + "\" } ] }"));
    assertEquals(List.of("routes[0].upstream: \"" + url + "\" " + reason), e.errors());
  }

  @Test
  void acceptsUpstreamPortsFrom1To65535() throws ConfigException {
    GatewayConfig config = NO_ENV.parse("""
      { "routes": [ { "id": "low", "path": "/low", "upstream": "http://h:1" },
                    { "id": "high", "path": "/high", "upstream": "HTTPS://h:65535/" } ] }
      """);
    assertEquals(new Upstream(false, "h", 1, ""), config.routes().get(0).upstream());
    assertEquals(new Upstream(true, "h", 65535, ""), config.routes().get(1).upstream());
  }

  @Test
  void substitutesEnvironmentVariablesInStrings() throws ConfigException {
    Map<String, String> env = Map.of("API_HOST", "10.1.2.3", "PORT", "9443", "EMPTY", "", "INSTANCES", "3");
    ConfigLoader loader = new ConfigLoader(env::get, 4);
    GatewayConfig config = loader.parse("""
      { "server": { "port": "${PORT}", "host": "${BIND:-0.0.0.0}", "instances": "${INSTANCES}" },
        "routes": [ { "id": "r", "path": "/r", "upstream": "http://${API_HOST}:${API_PORT:-8081}/${EMPTY:-base}" } ] }
      """);

    assertEquals(9443, config.server().port());
    assertEquals("0.0.0.0", config.server().host());
    assertEquals(3, config.server().instances());
    assertEquals(new Upstream(false, "10.1.2.3", 8081, "/base"), config.routes().get(0).upstream());
  }

  @Test
  void readsTlsFilesAndIpv6Upstreams(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
    Path key = Files.writeString(dir.resolve("key.pem"), "x");
    GatewayConfig config = NO_ENV.parse("{ \"server\": { \"tls\": { \"certPath\": \"" + cert + "\", \"keyPath\": \"" + key + "\" } },"
      + " \"routes\": [ { \"id\": \"v6\", \"path\": \"/\", \"upstream\": \"http://[::1]:9000\" } ] }");
    assertEquals(new TlsConfig(cert, key), config.server().tls());
    assertEquals(new Upstream(false, "::1", 9000, ""), config.routes().get(0).upstream());
    ConfigException h2c = assertThrows(ConfigException.class, () -> NO_ENV.parse("{ \"server\": { \"h2c\": true, \"tls\": { \"certPath\": \""
      + cert + "\", \"keyPath\": \"" + key + "\" } } }"));
    assertEquals(List.of("server.h2c: is cleartext HTTP/2 and server.tls is set: over TLS, HTTP/2 is negotiated by ALPN already"), h2c.errors());
    assertTrue(NO_ENV.parse("{ \"server\": { \"h2c\": \"true\" } }").server().h2c());
  }

  @Test
  void readsTrustedProxiesAsLiteralAddressesAndRanges() throws Exception {
    GatewayConfig config = NO_ENV.parse("{ \"server\": { \"trustedProxies\": [\"10.0.0.0/8\", \"192.168.1.7\", \"fd00::/8\", \"::1\"] } }");
    assertEquals(List.of(IpRange.parse("10.0.0.0/8"), IpRange.parse("192.168.1.7/32"), IpRange.parse("fd00::/8"), IpRange.parse("::1/128")),
      config.server().trustedProxies());
    assertEquals(IpRange.parse("10.0.0.0/8"), IpRange.parse("10.1.2.3/8"), "host bits do not matter");

    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(
      "{ \"server\": { \"trustedProxies\": [\"lb.internal\", \"10.0.0.0/33\", \"fd00::/129\", \"10.0.0.0/\", \"[::1]\", \"10.0.0\", 7] } }"));
    assertEquals(List.of(
      "server.trustedProxies[6]: must be a string, not 7",
      "server.trustedProxies[0]: \"lb.internal\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8",
      "server.trustedProxies[1]: \"10.0.0.0/33\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8",
      "server.trustedProxies[2]: \"fd00::/129\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8",
      "server.trustedProxies[3]: \"10.0.0.0/\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8",
      "server.trustedProxies[4]: \"[::1]\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8",
      "server.trustedProxies[5]: \"10.0.0\" is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8"), e.errors());
  }

  @Test
  void refusesWhatIsNotAJsonObject(@TempDir Path dir) throws Exception {
    assertEquals(List.of("(root): not a JSON object"), assertThrows(ConfigException.class, () -> NO_ENV.parse("[]")).errors());
    Path empty = Files.writeString(dir.resolve("empty.json"), "\n");
    assertEquals(List.of(empty + ": is empty, not a JSON object"), assertThrows(ConfigException.class, () -> NO_ENV.load(empty)).errors());
  }

  @Test
  void reportsASyntaxErrorAtItsLineAndColumn(@TempDir Path dir) throws Exception {
    Map<String, String> broken = Map.of(
      "missing-comma.json", """
        {
          "server": { "port": 8080 }
          "routes": []
        }
        """,
      "trailing-comma.json", """
        {
          "server": {
            "port": 8080,
          }
        }
        """,
      "unterminated-string.json", """
        {
          "dataDir": "/var/lib/bff,
          "routes": []
        }
        """);
    Map<String, String> expected = Map.of(
      "missing-comma.json", ":3:3: unexpected character ('\"'): was expecting comma to separate Object entries",
      "trailing-comma.json", ":4:3: unexpected character ('}'): was expecting double-quote to start field name",
      "unterminated-string.json", ":2:28: illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value");
    for (Map.Entry<String, String> document : broken.entrySet()) {
      Path file = Files.writeString(dir.resolve(document.getKey()), document.getValue());
      ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.load(file));
      assertEquals(List.of(file + expected.get(document.getKey())), e.errors());
    }
    // Text that is not from a file: the position alone.
    assertEquals(List.of("line 1, column 15: unexpected close marker '}': expected ']' (for Array starting at line: 1, column: 13)"),
      assertThrows(ConfigException.class, () -> NO_ENV.parse("{ \"routes\": [ }")).errors());
  }

  @Test
  void reportsAMissingFile(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.load(dir.resolve("nope.json")));
    assertEquals(List.of(dir.resolve("nope.json") + ": no such file"), e.errors());
  }

  @Test
  void resolvesRelativePathsAgainstTheDirectoryOfTheConfigFile(@TempDir Path dir) throws Exception {
    // The JVM's working directory is the checkout, so a path resolved against it would miss these files.
    Path etc = Files.createDirectories(dir.resolve("etc"));
    for (String name : List.of("users.json", "cert.pem", "key.pem", "ca.pem", "oidc.pem")) {
      Files.writeString(etc.resolve(name), "x");
    }
    Files.createDirectories(etc.resolve("keys"));
    Files.writeString(etc.resolve("keys/signing.pem"), "x");
    Files.createDirectories(dir.resolve("site"));
    Path file = Files.writeString(etc.resolve("gateway.json"), """
      { "dataDir": "../state",
        "server": { "tls": { "certPath": "cert.pem", "keyPath": "./key.pem" } },
        "proxy": { "trustedCaFile": "ca.pem" },
        "tokens": { "keys": [ { "pem": "keys/signing.pem" } ] },
        "credentials": { "usersFile": "users.json",
          "oidc": [ { "name": "idp", "issuer": "https://idp.example", "clientId": "gw", "privateKeyFile": "oidc.pem" } ] },
        "web": { "root": "../site" } }
      """);

    GatewayConfig config = NO_ENV.load(file);

    assertEquals(dir.resolve("state"), config.dataDir());
    assertEquals(dir.resolve("state/bff-gateway.db"), config.store().sqlitePath());
    assertEquals(new TlsConfig(etc.resolve("cert.pem"), etc.resolve("key.pem")), config.server().tls());
    assertEquals(etc.resolve("ca.pem"), config.proxy().trustedCaFile());
    assertEquals(etc.resolve("keys/signing.pem"), config.tokens().keys().get(0).pem());
    assertEquals(etc.resolve("users.json"), config.credentials().usersFile());
    assertEquals(etc.resolve("oidc.pem").toString(), config.credentials().oidc().get(0).privateKeyFile());
    assertEquals(new WebConfig(dir.resolve("site"), false), config.web());
  }

  @Test
  void defaultPathsAreBesideTheConfigFileAndErrorsShowThemResolved(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.json"), """
      { "tokens": { "keys": [ { "pem": "keys/missing.pem" } ] }, "credentials": { "type": "users" }, "web": { "root": "." } }
      """);
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.load(file));
    assertEquals(List.of(
      "tokens.keys[0].pem: \"" + dir.resolve("keys/missing.pem") + "\" is not a readable file",
      "credentials.usersFile: \"" + dir.resolve("users.json") + "\" is not a readable file",
      "web.root: \"" + dir + "\" contains dataDir (" + dir.resolve("data") + "): serve a directory of web files only"), e.errors());

    Files.writeString(dir.resolve("users.json"), "x");
    Files.createDirectories(dir.resolve("site"));
    Path beside = Files.writeString(dir.resolve("site/gateway.json"), "{ \"dataDir\": \"" + dir.resolve("state")
      + "\", \"credentials\": { \"usersFile\": \"../users.json\" }, \"web\": { \"root\": \".\" } }");
    ConfigException published = assertThrows(ConfigException.class, () -> NO_ENV.load(beside));
    assertEquals(List.of("web.root: \"" + dir.resolve("site") + "\" contains the configuration file (" + beside
      + "): serve a directory of web files only"), published.errors());
  }

  @Test
  void shippedSampleConfigIsValid() throws ConfigException {
    GatewayConfig config = NO_ENV.load(Path.of("conf/gateway.json"));
    assertTrue(config.routes().stream().anyMatch(route -> route.path().equals("/api")));
    assertNull(config.server().tls());
    assertEquals(CredentialsConfig.Type.USERS, config.credentials().type(), "scripts/run names the demo users itself");
    assertEquals(Path.of("conf/users.json").toAbsolutePath(), config.credentials().usersFile());
    assertEquals(Path.of("data").toAbsolutePath(), config.dataDir(), "the demo's state stays in data/ of the checkout");
  }
}
