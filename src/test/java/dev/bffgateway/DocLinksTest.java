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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link of README.md and docs/*.md leads somewhere: to a file or directory of the repository, and
 * with a {@code #fragment}, to a heading of that page as GitHub names its anchors.
 */
class DocLinksTest {
  private static final Pattern LINK = Pattern.compile("]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("#{1,6} (.+)");

  @Test
  void everyRelativeLinkFindsItsFileAndHeading() {
    List<String> broken = new ArrayList<>();
    Map<Path, Set<String>> anchors = new HashMap<>();
    for (Path page : pages()) {
      for (String line : prose(page)) {
        Matcher link = LINK.matcher(line);
        while (link.find()) {
          String target = link.group(1);
          if (target.matches("[a-z]+:.*")) {
            continue;
          }
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
          if (!Files.exists(resolved)) {
            broken.add(page + ": " + target + " (no such file)");
          } else if (hash >= 0 && !anchors.computeIfAbsent(resolved, DocLinksTest::anchorsOf).contains(target.substring(hash + 1))) {
            broken.add(page + ": " + target + " (no such heading)");
          }
        }
      }
    }
    assertTrue(broken.isEmpty(), () -> "broken links:\n  " + String.join("\n  ", broken));
  }

  private static List<Path> pages() {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(file -> file.toString().endsWith(".md")).sorted().forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  /** The lines outside fenced code blocks, where "# " starts a heading and "](" a link. */
  private static List<String> prose(Path page) {
    List<String> lines = new ArrayList<>();
    boolean fenced = false;
    try {
      for (String line : Files.readAllLines(page)) {
        if (line.stripLeading().startsWith("```")) {
          fenced = !fenced;
        } else if (!fenced) {
          lines.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  /** GitHub's anchors: lower case, punctuation but '-' and '_' dropped, spaces as '-', repeats numbered. */
  private static Set<String> anchorsOf(Path page) {
    Set<String> anchors = new HashSet<>();
    if (!page.toString().endsWith(".md")) {
      return anchors;
    }
    for (String line : prose(page)) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String slug = heading.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
        String anchor = slug;
        for (int n = 1; !anchors.add(anchor); n++) {
          anchor = slug + "-" + n;
        }
      }
    }
    return anchors;
  }
}
