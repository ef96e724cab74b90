package dev.bffgateway.config;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpRangeTest {
  private static boolean contains(String range, String address) {
    return IpRange.parse(range).contains(NetUtil.createByteArrayFromIpAddressString(address));
  }

  @Test
  void matchesIpv4AndIpv6ByPrefix() {
    assertTrue(contains("10.0.0.0/8", "10.255.1.2"));
    assertFalse(contains("10.0.0.0/8", "11.0.0.1"));
    assertTrue(contains("127.0.0.1/32", "127.0.0.1"));
    assertFalse(contains("127.0.0.1/32", "127.0.0.2"));
    assertTrue(contains("127.0.0.1", "127.0.0.1"));
    assertTrue(contains("0.0.0.0/0", "203.0.113.9"));
    assertFalse(contains("0.0.0.0/0", "2001:db8::1"), "an IPv4 range holds no IPv6 address");
    assertTrue(contains("172.16.0.0/12", "172.31.255.255"));
    assertFalse(contains("172.16.0.0/12", "172.32.0.0"));
    assertTrue(contains("10.0.0.0/8", "::ffff:10.0.0.1"), "IPv4-mapped, as a dual-stack socket reports it");
    assertTrue(contains("fd00::/8", "fd12:3456::1"));
    assertFalse(contains("fd00::/8", "fe80::1"));
    assertTrue(contains("2001:db8::/64", "2001:db8::ffff:1"));
    assertFalse(contains("2001:db8::/64", "2001:db8:0:1::1"));
    assertTrue(contains("2001:db8::1/128", "2001:db8::1"));
    assertFalse(contains("2001:db8::1/128", "2001:db8::2"));
    assertTrue(contains("2001:db8::/65", "2001:db8::7fff:0:0:1"));
    assertFalse(contains("2001:db8::/65", "2001:db8::8000:0:0:1"));
    assertTrue(contains("::/0", "10.0.0.1"), "::/0 holds every address, IPv4 as mapped");
  }

  @Test
  void parsesLiteralsOnly() {
    for (String bad : new String[] {"localhost", "example.com", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/a", "10.0.0.0/",
      "10.0.0", "[::1]", "fe80::1%eth0", "", "/8", "10.0.0.0/8/8", "10.0.0.0/0008"}) {
      assertNull(IpRange.parse(bad), bad);
    }
  }
}
