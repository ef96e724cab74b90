package dev.bffgateway.config;

import io.netty.util.NetUtil;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}; a bare address is a range
 * of one). IPv4 is held as IPv4-mapped IPv6 ({@code ::ffff:10.0.0.0/104}), so {@code 10.1.2.3} and
 * {@code ::ffff:10.1.2.3}, as a dual-stack socket reports it, fall in the same range. Addresses are parsed as
 * literals only (Netty's {@link NetUtil}), never looked up in DNS.
 *
 * @param high         the first 64 bits of the range's first address
 * @param low          the last 64 bits
 * @param prefixLength how many leading bits an address must share with it, 0 to 128
 */
public record IpRange(long high, long low, int prefixLength) {
  public IpRange {
    // Bits past the prefix are dropped, so that 10.1.2.3/8 equals 10.0.0.0/8.
    high &= mask(prefixLength);
    low &= mask(prefixLength - 64);
  }

  /** The range, or null when the text is not an IP address with an optional {@code /prefix}. */
  public static IpRange parse(String text) {
    int slash = text.indexOf('/');
    byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? text : text.substring(0, slash));
    if (address == null || text.indexOf('%') >= 0 || text.startsWith("[")) {
      return null;
    }
    int bits = address.length * 8;
    if (slash >= 0) {
      String prefix = text.substring(slash + 1);
      if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      bits = Integer.parseInt(prefix);
      if (bits > address.length * 8) {
        return null;
      }
    }
    int mapped = address.length == 4 ? 96 : 0;
    return new IpRange(high(address), low(address), bits + mapped);
  }

  /** Whether the address (4 or 16 bytes, as {@link NetUtil#createByteArrayFromIpAddressString} gives it) is in range. */
  public boolean contains(byte[] address) {
    return (high(address) & mask(prefixLength)) == high && (low(address) & mask(prefixLength - 64)) == low;
  }

  /** The first 64 bits of the address as IPv6 (IPv4 mapped). */
  private static long high(byte[] address) {
    return address.length == 4 ? 0 : bits(address, 0);
  }

  private static long low(byte[] address) {
    return address.length == 4 ? 0xffff_0000_0000L | (bits(address, 0) >>> 32) : bits(address, 8);
  }

  /** Up to 8 bytes from start, big-endian, as the high bits of a long. */
  private static long bits(byte[] address, int start) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = value << 8 | (start + i < address.length ? address[start + i] & 0xff : 0);
    }
    return value;
  }

  /** A mask of the first {@code bits} bits of a long (0 to 64; fewer is none, more is all). */
  private static long mask(int bits) {
    return bits <= 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
  }
}
