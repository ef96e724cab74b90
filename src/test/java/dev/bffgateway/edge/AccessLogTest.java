package dev.bffgateway.edge;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The access log's fields stay valid JSON whatever a path or a user id holds. */
class AccessLogTest {
  @Test
  void fieldsAreEscapedOnlyWhereJsonNeedsIt() {
    String[] values = {"/api/orders", "", "\"quoted\"", "/a\\b", "tab\there", "line\nbreak\r", "\u0001start",
      "end\u001f", "/caf\u00e9/\u2603", "mixed \"\\\u0000 and plain"};
    for (String value : values) {
      String line = AccessLog.field(new StringBuilder("{"), "path", value).append('}').toString();
      assertEquals(value, new JsonObject(line).getString("path"), line);
    }
    assertEquals("{\"path\":\"/a\\\\b \\\"x\\\" \\u0007\"}",
      AccessLog.field(new StringBuilder("{"), "path", "/a\\b \"x\" \u0007").append('}').toString());
    assertEquals("{\"sub\":null}", AccessLog.field(new StringBuilder("{"), "sub", null).append('}').toString());
  }
}
