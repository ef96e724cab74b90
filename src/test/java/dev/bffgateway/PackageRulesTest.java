package dev.bffgateway;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the code, read from its sources: HTTP lives at the edge, the core packages hold no server-side HTTP
 * types, data flows one way (no package cycles), and no Vert.x internal API is used outside the one class named for
 * it.
 */
class PackageRulesTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/bffgateway");
  private static final Set<String> CORE = Set.of("auth", "token", "store", "session", "credentials", "config");
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern OWN = Pattern.compile("\\bdev\\.bffgateway\\.([a-z]+)\\.[A-Z]");
  /** Serving HTTP: requests, responses, routing. Outbound clients and vertx-web's session stores are not the edge. */
  private static final Pattern SERVER_HTTP = Pattern.compile(
    "io\\.vertx\\.core\\.http\\.(HttpServer\\w*|Cookie\\w*|ServerWebSocket)|io\\.vertx\\.ext\\.web\\.(Router|RoutingContext|handler\\.\\w+|proxy\\.\\w+)");
  private static final Pattern INTERNAL = Pattern.compile("io\\.vertx\\.core\\.(internal|net\\.impl|http\\.impl)\\.");

  private static Map<Path, String> sources() {
    Map<Path, String> sources = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        sources.put(SOURCES.relativize(file), Files.readString(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sources;
  }

  private static String packageOf(Path relative) {
    return relative.getNameCount() == 1 ? "" : relative.getName(0).toString();
  }

  @Test
  void theCorePackagesServeNoHttp() {
    List<String> found = new ArrayList<>();
    sources().forEach((file, source) -> {
      if (CORE.contains(packageOf(file))) {
        Matcher imports = IMPORT.matcher(source);
        while (imports.find()) {
          if (SERVER_HTTP.matcher(imports.group(1)).lookingAt() || imports.group(1).startsWith("dev.bffgateway.edge.")) {
            found.add(file + ": " + imports.group(1));
          }
        }
      }
    });
    assertEquals(List.of(), found);
  }

  @Test
  void thePackagesFormNoCycle() {
    Map<String, Set<String>> uses = new HashMap<>();
    sources().forEach((file, source) -> {
      String from = packageOf(file);
      Matcher own = OWN.matcher(source);
      while (own.find()) {
        if (!own.group(1).equals(from)) {
          uses.computeIfAbsent(from, k -> new TreeSet<>()).add(own.group(1));
        }
      }
    });
    for (String start : uses.keySet()) {
      Set<String> reached = new HashSet<>();
      List<String> todo = new ArrayList<>(uses.get(start));
      while (!todo.isEmpty()) {
        String next = todo.remove(todo.size() - 1);
        if (reached.add(next)) {
          todo.addAll(uses.getOrDefault(next, Set.of()));
        }
      }
      assertTrue(!reached.contains(start), "package " + start + " is in a cycle: " + uses);
    }
    assertTrue(uses.getOrDefault("", Set.of()).contains("edge"), "the wiring uses the edge, so this test reads the graph");
  }

  @Test
  void onlyFlushBatchingUsesVertxInternals() {
    Set<Path> users = new TreeSet<>();
    sources().forEach((file, source) -> {
      if (INTERNAL.matcher(source).find()) {
        users.add(file);
      }
    });
    assertEquals(Set.of(Path.of("FlushBatching.java")), users);
  }
}
