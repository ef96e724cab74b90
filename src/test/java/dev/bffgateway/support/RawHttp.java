package dev.bffgateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Bytes on a socket, for requests no HTTP client would send: smuggling, bad bytes, absolute-form targets. */
public final class RawHttp {
  private RawHttp() {
  }

  /** What the server sent, and whether it closed the connection (rather than falling silent). */
  public record Reply(String text, boolean closed) {
    public int status() {
      return RawHttp.status(text);
    }

    /** How many responses the text holds. */
    public int responses() {
      return text.split("(?m)^HTTP/1\\.[01] ", -1).length - 1;
    }
  }

  /** Sends the bytes and reads until the server closes the connection or is silent for a second. */
  public static String exchange(int port, String request) throws IOException {
    return exchange(port, request, null, 1_000).text();
  }

  /**
   * Sends the bytes and reads until the server closes the connection, the text read so far contains {@code until}
   * (when not null), or the server is silent for {@code silenceMs}: then it kept the connection open.
   */
  public static Reply exchange(int port, String request, String until, int silenceMs) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(silenceMs);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          received.write(buffer, 0, n);
          if (until != null && received.toString(StandardCharsets.ISO_8859_1).contains(until)) {
            return new Reply(received.toString(StandardCharsets.ISO_8859_1), false);
          }
        }
      } catch (SocketTimeoutException silent) {
        return new Reply(received.toString(StandardCharsets.ISO_8859_1), false);
      }
      return new Reply(received.toString(StandardCharsets.ISO_8859_1), true);
    }
  }

  /** The status code of the first response in what the server sent, or -1 when it sent nothing. */
  public static int status(String response) {
    return response.startsWith("HTTP/1.") ? Integer.parseInt(response.substring(9, 12)) : -1;
  }
}
