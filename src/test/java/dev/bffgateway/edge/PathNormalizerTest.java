package dev.bffgateway.edge;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class PathNormalizerTest {
  @ParameterizedTest
  @CsvSource({
    "/, /",
    "/api, /api",
    "/api/, /api/",
    "//api///x, /api/x",
    "/api/./x, /api/x",
    "/api/x/., /api/x/",
    "/api/x/.., /api/",
    "/api/../admin, /admin",
    "/a/b/../../c, /c",
    "/api/%2e%2e/admin, /admin",
    "/api/%2E%2e/admin, /admin",
    "/api/.%2e/admin, /admin",
    "/%61pi/x, /api/x",
    "/api/%7euser, /api/~user",
    "/api/a%20b, /api/a%20b",
    "/api/a%3fb, /api/a%3Fb",
    "/api/..., /api/...",
    "/api/.hidden, /api/.hidden",
    "/.., ",
  })
  void normalises(String raw, String expected) {
    assertEquals(expected, PathNormalizer.normalize(raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "api", "/../x", "/a/../../x", "/a/%2f/x", "/a/%2F", "/a%5cb", "/a\\b", "/a%00", "/a%0a",
    "/a%", "/a%4", "/a%zz", "/a b", "/a\tb", "/a\u007fb"})
  void refuses(String raw) {
    assertNull(PathNormalizer.normalize(raw), raw);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/api/orders/42", "/a.b/c..d/.e"})
  void returnsNormalPathsUnchangedWithoutCopying(String raw) {
    assertSame(raw, PathNormalizer.normalize(raw));
  }
}
