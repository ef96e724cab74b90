package dev.bffgateway.edge;

import dev.bffgateway.config.IpRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Who the client is behind the proxies of server.trustedProxies, read right to left from what they forwarded. */
class ClientAddressesTest {
  private final ClientAddresses behindProxies = new ClientAddresses(List.of(IpRange.parse("10.0.0.0/8"), IpRange.parse("fd00::/8")));

  private ClientAddresses.Client xff(String peer, String... values) {
    return behindProxies.resolve(peer, List.of(values), List.of());
  }

  private ClientAddresses.Client forwarded(String peer, String... values) {
    return behindProxies.resolve(peer, List.of(), List.of(values));
  }

  private static ClientAddresses.Client client(String address, String forwardedFor) {
    return new ClientAddresses.Client(address, forwardedFor);
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() {
    assertEquals(client("203.0.113.9", "203.0.113.9"), xff("203.0.113.9", "198.51.100.1"));
    assertEquals(client("203.0.113.9", "203.0.113.9"), forwarded("203.0.113.9", "for=198.51.100.1"));
    assertEquals(client("2001:db8::1", "2001:db8::1"), xff("2001:db8::1", "198.51.100.1"));
    ClientAddresses none = new ClientAddresses(List.of());
    assertEquals(client("10.0.0.1", "10.0.0.1"), none.resolve("10.0.0.1", List.of("198.51.100.1"), List.of()));
  }

  @Test
  void behindTrustedProxiesTheFirstUntrustedAddressFromTheRightIsTheClient() {
    // What the client wrote itself (6.6.6.6) is left of the address the first proxy saw, and is ignored.
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.2, 10.0.0.1"), xff("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2"));
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.2, 10.0.0.1"), xff("10.0.0.1", "6.6.6.6", "198.51.100.7", "10.0.0.2"),
      "several field lines are one list");
    assertEquals(client("10.0.0.3", "10.0.0.3, 10.0.0.2, 10.0.0.1"), xff("10.0.0.1", "10.0.0.3, 10.0.0.2"), "all trusted: the leftmost");
    assertEquals(client("10.0.0.1", "10.0.0.1"), xff("10.0.0.1"), "nothing forwarded: the peer");
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.1"), xff("10.0.0.1", "198.51.100.7:51234"), "with a port");
    assertEquals(client("2001:db8::17", "2001:db8::17, 10.0.0.1"), xff("10.0.0.1", "[2001:db8:0::17]:4711"), "bracketed IPv6");
    assertEquals(client("2001:db8::17", "2001:db8::17, fd00::1, 10.0.0.1"), xff("10.0.0.1", "2001:db8::17 ,fd00::1"));
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.1"), xff("10.0.0.1", "::ffff:198.51.100.7"), "IPv4-mapped as IPv4");
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.1"), xff("10.0.0.1", "198.51.100.7,,"), "empty elements mean nothing");
    assertEquals(client("198.51.100.7", "198.51.100.7, ::ffff:10.0.0.1"), xff("::ffff:10.0.0.1", "198.51.100.7"),
      "a peer on a dual-stack socket");
  }

  @Test
  void whatIsNoAddressEndsTheWalkAtTheNearestTrustedHop() {
    for (String bad : List.of("unknown", "_hidden", "lb.example", "1.2.3.4:port", "1.2.3", "[2001:db8::1", "[1.2.3.4]", "fe80::1%eth0",
      "\u0000", "1.2.3.4 5.6.7.8")) {
      assertEquals(client("10.0.0.1", "10.0.0.1"), xff("10.0.0.1", "198.51.100.7, " + bad), bad);
      assertEquals(client("10.0.0.2", "10.0.0.2, 10.0.0.1"), xff("10.0.0.1", bad + ", 10.0.0.2"), bad);
    }
  }

  @Test
  void forwardedForNodesAreReadTheSameWay() {
    assertEquals(client("192.0.2.60", "192.0.2.60, 10.0.0.1"), forwarded("10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43"));
    assertEquals(client("2001:db8:cafe::17", "2001:db8:cafe::17, 10.0.0.2, 10.0.0.1"),
      forwarded("10.0.0.1", "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\"", "for=10.0.0.2;proto=https"));
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.1"), forwarded("10.0.0.1", "by=10.0.0.1;for=\"198.51.100.7\" ;host=\"a;b,c\""),
      "quoted values may hold ; and ,");
    assertEquals(client("10.0.0.1", "10.0.0.1"), forwarded("10.0.0.1", "for=unknown"));
    assertEquals(client("10.0.0.1", "10.0.0.1"), forwarded("10.0.0.1", "for=_gazonk"));
    assertEquals(client("10.0.0.1", "10.0.0.1"), forwarded("10.0.0.1", "proto=https"), "an element without for=");
    assertEquals(client("10.0.0.2", "10.0.0.2, 10.0.0.1"), forwarded("10.0.0.1", "for=198.51.100.7, proto=https, for=10.0.0.2"));
    for (String malformed : List.of("for=\"198.51.100.7", "for", "=198.51.100.7", "for=1.2.3.4 junk", "for=\"1.2.3.4\"x")) {
      assertEquals(client("10.0.0.1", "10.0.0.1"), forwarded("10.0.0.1", malformed), malformed);
    }
  }

  @Test
  void xForwardedForWinsOverForwarded() {
    assertEquals(client("198.51.100.7", "198.51.100.7, 10.0.0.1"),
      behindProxies.resolve("10.0.0.1", List.of("198.51.100.7"), List.of("for=6.6.6.6")));
  }
}
