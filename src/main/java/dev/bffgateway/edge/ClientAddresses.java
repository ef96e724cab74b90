package dev.bffgateway.edge;

import dev.bffgateway.config.IpRange;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * Who the client of a request is, for sign-in throttling, the access log and the {@code X-Forwarded-For} the upstream
 * gets. The peer of the connection, unless it is one of {@code server.trustedProxies}: then its
 * {@code X-Forwarded-For} (or, without one, its RFC 7239 {@code Forwarded} {@code for=}) is read right to left,
 * past every trusted address, and the first untrusted one is the client; when all are trusted, the leftmost. What
 * lies left of the client was written by the client itself and is ignored. An entry that is no address
 * ({@code unknown}, an obfuscated {@code _name}, garbage) ends the walk: the nearest trusted hop is then the client,
 * the last address anyone trusted vouches for. Header values never cause an error.
 */
public final class ClientAddresses {
  /** The client's address (null when the peer has none), and the X-Forwarded-For chain, client first, the upstream gets. */
  record Client(String address, String forwardedFor) {
  }

  private final List<IpRange> trusted;

  public ClientAddresses(List<IpRange> trusted) {
    this.trusted = trusted;
  }

  Client of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String peerAddress = peer == null ? null : peer.hostAddress();
    if (trusted.isEmpty() || peerAddress == null) {
      return new Client(peerAddress, peerAddress);
    }
    return resolve(peerAddress, request.headers().getAll(UpstreamHeaders.FORWARDED_FOR), request.headers().getAll("forwarded"));
  }

  /**
   * The client behind a peer. X-Forwarded-For wins over Forwarded: it is what nearly every load balancer appends to,
   * and one that appends to it passes a client's Forwarded on untouched.
   */
  Client resolve(String peerAddress, List<String> forwardedFor, List<String> forwarded) {
    byte[] peer = NetUtil.createByteArrayFromIpAddressString(peerAddress);
    if (peer == null || !isTrusted(peer)) {
      return new Client(peerAddress, peerAddress);
    }
    List<String> nodes = !forwardedFor.isEmpty() ? listElements(forwardedFor) : forwarded.isEmpty() ? List.of() : forNodes(forwarded);
    if (nodes == null) {
      return new Client(peerAddress, peerAddress);
    }
    String client = peerAddress;
    List<String> vouched = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      byte[] address = address(nodes.get(i));
      if (address == null) {
        break;
      }
      client = text(address);
      vouched.add(client);
      if (!isTrusted(address)) {
        break;
      }
    }
    StringBuilder chain = new StringBuilder(64);
    for (int i = vouched.size() - 1; i >= 0; i--) {
      chain.append(vouched.get(i)).append(", ");
    }
    return new Client(client, chain.append(peerAddress).toString());
  }

  private boolean isTrusted(byte[] address) {
    for (IpRange range : trusted) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The comma-separated entries of every field line, in order (RFC 9110 §5.3: lines combine with commas). */
  private static List<String> listElements(List<String> values) {
    List<String> elements = new ArrayList<>();
    for (String value : values) {
      for (String element : value.split(",", -1)) {
        // Empty elements are allowed and mean nothing (RFC 9110 §5.6.1).
        if (!element.isBlank()) {
          elements.add(element.trim());
        }
      }
    }
    return elements;
  }

  /**
   * The {@code for=} node of each element of the Forwarded fields (RFC 7239 §4), in order, quotes removed; an element
   * without one gives "" (no address), an empty one nothing. Null when the syntax is broken, so that nothing in it is believed.
   */
  static List<String> forNodes(List<String> values) {
    List<String> nodes = new ArrayList<>();
    for (String value : values) {
      String node = "";
      boolean element = false;
      int i = 0;
      int length = value.length();
      while (i <= length) {
        i = skipSpaces(value, i);
        if (i < length && value.charAt(i) != ',' && value.charAt(i) != ';') {
          int equals = value.indexOf('=', i);
          if (equals < 0) {
            return null;
          }
          String name = value.substring(i, equals).trim();
          StringBuilder parameter = new StringBuilder();
          i = equals + 1;
          if (i < length && value.charAt(i) == '"') {
            for (i++; i < length && value.charAt(i) != '"'; i++) {
              if (value.charAt(i) == '\\' && i + 1 < length) {
                i++;
              }
              parameter.append(value.charAt(i));
            }
            if (i >= length) {
              return null;
            }
            i++;
          } else {
            while (i < length && value.charAt(i) != ',' && value.charAt(i) != ';') {
              parameter.append(value.charAt(i++));
            }
          }
          if (name.isEmpty()) {
            return null;
          }
          element = true;
          if (name.equalsIgnoreCase("for")) {
            node = parameter.toString().trim();
          }
          i = skipSpaces(value, i);
        }
        if (i >= length || value.charAt(i) == ',') {
          // Empty elements are allowed and mean nothing (RFC 9110 §5.6.1).
          if (element) {
            nodes.add(node);
          }
          node = "";
          element = false;
        } else if (value.charAt(i) != ';') {
          return null;
        }
        i++;
      }
    }
    return nodes;
  }

  private static int skipSpaces(String value, int i) {
    while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /**
   * The address of a node: {@code 192.0.2.60}, {@code 192.0.2.60:4711}, {@code 2001:db8::17} or
   * {@code [2001:db8::17]:4711} (RFC 7239 §6); null for anything else.
   */
  private static byte[] address(String node) {
    String host = node;
    if (node.startsWith("[")) {
      int close = node.indexOf(']');
      if (close < 0 || !(close == node.length() - 1 || isPort(node, close + 1))) {
        return null;
      }
      host = node.substring(1, close);
      if (host.indexOf(':') < 0) {
        return null;
      }
    } else {
      int colon = node.indexOf(':');
      if (colon >= 0 && node.indexOf(':', colon + 1) < 0) {
        if (!isPort(node, colon)) {
          return null;
        }
        host = node.substring(0, colon);
      }
    }
    if (host.indexOf('%') >= 0) {
      return null;
    }
    return NetUtil.createByteArrayFromIpAddressString(host);
  }

  /** Whether the text from {@code colon} on is ":" and 1 to 5 digits. */
  private static boolean isPort(String node, int colon) {
    int digits = node.length() - colon - 1;
    if (node.charAt(colon) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    for (int i = colon + 1; i < node.length(); i++) {
      if (node.charAt(i) < '0' || node.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** The address as text: dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 IPv6. */
  private static String text(byte[] address) {
    if (address.length == 16 && isIpv4Mapped(address)) {
      return NetUtil.bytesToIpAddress(address, 12, 4);
    }
    return NetUtil.bytesToIpAddress(address);
  }

  private static boolean isIpv4Mapped(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }
}
