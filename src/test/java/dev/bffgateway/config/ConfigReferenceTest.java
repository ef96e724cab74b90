package dev.bffgateway.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/configuration.md against ConfigLoader: every key the loader reads has a row in the reference, and every row
 * names a key the loader reads (any other key it rejects as unknown). Paths are compared without array indices:
 * {@code routes.upstreamToken.audience}.
 */
class ConfigReferenceTest {
  private static final Path REFERENCE = Path.of("docs/configuration.md");

  // Each optional object and array of objects present once, so that the loader descends into all of them. The values
  // do not matter: the loader asks for every key of an object it reads, present or not, and errors are expected.
  private static final String EVERY_OBJECT = """
    {
      "server": { "tls": {} },
      "tokens": { "keys": [{}] },
      "credentials": { "http": {}, "oidc": [{}] },
      "routes": [{ "upstreamToken": {} }]
    }
    """;

  // "## `server`", "### `credentials.oidc`", "### `tokens.keys[]`": a heading that names a section of the file.
  private static final Pattern SECTION = Pattern.compile("#{2,6} `([A-Za-z.\\[\\]]+)`");
  private static final Pattern HEADING = Pattern.compile("#{1,6} .*");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  @Test
  void theReferenceHasARowForEveryKeyTheLoaderReads() throws IOException {
    Set<String> documented = documentedKeys();
    Set<String> missing = new TreeSet<>();
    for (String key : keysTheLoaderReads()) {
      // An object is documented by its own row or by rows of its members ("sqlite.path" documents "sqlite").
      if (documented.stream().noneMatch(row -> row.equals(key) || row.startsWith(key + "."))) {
        missing.add(key);
      }
    }
    assertTrue(missing.isEmpty(), () -> REFERENCE + " has no row for these keys that ConfigLoader reads; add each to the "
      + "table under the heading of its section: " + String.join(", ", missing));
  }

  @Test
  void theReferenceNamesNoKeyTheLoaderRejects() throws IOException {
    Set<String> unknown = documentedKeys();
    unknown.removeAll(keysTheLoaderReads());
    assertTrue(unknown.isEmpty(), () -> REFERENCE + " has rows for these keys, which ConfigLoader rejects as unknown; "
      + "fix or remove them (or, for an object, add it to EVERY_OBJECT): " + String.join(", ", unknown));
  }

  private static Set<String> keysTheLoaderReads() {
    ObjectReader root = new ObjectReader(new JsonObject(EVERY_OBJECT), JsonPath.ROOT, new ArrayList<>());
    new ConfigLoader(name -> null, 1).read(root, ConfigLoader.DEFAULT_FILE.toAbsolutePath());
    Set<String> keys = new TreeSet<>();
    for (String path : root.keysAsked()) {
      keys.add(path.replaceAll("\\[\\d+]", ""));
    }
    return keys;
  }

  /**
   * The first-column keys of the tables under "## Top level" and under each heading that names a section, such as
   * "## `server`"; a row may name several, "`http.fields.id`, `.userName`" being "http.fields.id" and
   * "http.fields.userName". Tables under other headings (the users file, errors, headers) are not keys of the file.
   */
  private static Set<String> documentedKeys() throws IOException {
    Set<String> keys = new TreeSet<>();
    String section = null;
    for (String line : Files.readAllLines(REFERENCE)) {
      Matcher named = SECTION.matcher(line);
      if (named.matches()) {
        section = named.group(1).replace("[]", "") + ".";
      } else if (HEADING.matcher(line).matches()) {
        section = line.equals("## Top level") ? "" : null;
      } else if (section != null && line.startsWith("| `")) {
        String first = line.substring(1, line.indexOf('|', 1));
        String previous = null;
        Matcher code = CODE.matcher(first);
        while (code.find()) {
          String key = code.group(1);
          String full = key.startsWith(".") && previous != null ? previous.substring(0, previous.lastIndexOf('.')) + key : section + key;
          keys.add(full);
          previous = full;
        }
      }
    }
    return keys;
  }
}
