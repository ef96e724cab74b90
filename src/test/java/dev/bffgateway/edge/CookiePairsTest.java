package dev.bffgateway.edge;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CookiePairsTest {
  /** Each pair as "name|value|junk", and the pairs as they would be passed on. */
  private static List<String> walk(String header) {
    List<String> seen = new ArrayList<>();
    CookiePairs pairs = new CookiePairs(header);
    while (pairs.next()) {
      String name = pairs.appendPair(new StringBuilder()).toString();
      seen.add(pairs.junk() ? "junk:" + name : pairs.value() + " <- " + name);
    }
    return seen;
  }

  @Test
  void walksTrimmedPairsAndSkipsBlankOnes() {
    assertEquals(List.of("1 <- a=1", "two words <- b = two words", "x <- c=\"x\""), walk(" a=1;; b = two words ;\tc=\"x\";  "));
    assertEquals(List.of(), walk(""));
    assertEquals(List.of(), walk(" ; ;"));
  }

  @Test
  void pairsWithoutANameAreJunk() {
    assertEquals(List.of("junk:=x", "junk:flag", "junk:= y", "v <- ok=v"), walk("=x; flag; = y; ok=v"));
  }

  @Test
  void namesMatchWholeAndTrimmed() {
    CookiePairs pairs = new CookiePairs("ss-tok-old=1; ss-tok =2");
    assertTrue(pairs.next());
    assertFalse(pairs.nameIs("ss-tok"), "a longer name is another cookie");
    assertTrue(pairs.next());
    assertTrue(pairs.nameIs("ss-tok"), "spaces around the name do not make another cookie");
    assertEquals("2", pairs.value());
    assertFalse(pairs.next());
  }

  @Test
  void anEmptyOrLoneQuoteValueIsKeptAsSent() {
    assertEquals(List.of(" <- a=", "\" <- b=\"", " <- c=\"\""), walk("a=; b=\"; c=\"\""));
  }
}
