package dev.bffgateway.edge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RouteTableTest {
  @Test
  void matchesTheLongestPrefixByWholeSegments() {
    RouteTable<String> table = RouteTable.<String>builder()
      .put("/api", "api")
      .put("/api/v2", "v2")
      .put("/api/v2/admin/tools", "tools")
      .build();

    assertEquals("api", table.match("/api"));
    assertEquals("api", table.match("/api/"));
    assertEquals("api", table.match("/api/x/y"));
    assertEquals("v2", table.match("/api/v2/orders"));
    assertEquals("v2", table.match("/api/v2/admin"), "a deeper route that does not match does not hide its parent");
    assertEquals("tools", table.match("/api/v2/admin/tools/x"));
    assertEquals("api", table.match("/api/v20"));
    assertNull(table.match("/apix"));
    assertNull(table.match("/"));
  }

  @Test
  void rootRouteCatchesEverythingElse() {
    RouteTable<String> table = RouteTable.<String>builder().put("/", "root").put("/api", "api").build();
    assertEquals("root", table.match("/"));
    assertEquals("root", table.match("/apix/y"));
    assertEquals("api", table.match("/api/y"));
  }

  @Test
  void laterPutReplacesTheValue() {
    RouteTable<String> table = RouteTable.<String>builder().put("/health", "route").put("/health", "gateway").build();
    assertEquals("gateway", table.match("/health/live"));
  }

  @Test
  void tenThousandRoutesMatchExactly() {
    RouteTable.Builder<Integer> builder = RouteTable.builder();
    for (int i = 0; i < 10_000; i++) {
      builder.put("/svc" + i + "/v" + (i % 7), i);
    }
    RouteTable<Integer> table = builder.build();
    for (int i = 0; i < 10_000; i++) {
      assertEquals(i, table.match("/svc" + i + "/v" + (i % 7) + "/items/1"));
      assertNull(table.match("/svc" + i + "/v" + ((i + 1) % 7)));
    }
  }
}
