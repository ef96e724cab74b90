package dev.bffgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code redis-server} process of the test's own, on a free loopback port, persisting to an append-only
 * file in the test's directory. It can be killed and started again on the same port, with its data, for fault
 * tests. scripts/test installs redis-server.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  public static RedisServer start(Path dir) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RedisServer server = new RedisServer(port, dir);
    server.startProcess();
    return server;
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  public void startProcess() throws IOException {
    process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
      // Persistence as docs/deployment.md recommends: what Redis acknowledged survives a kill and a restart.
      "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir.toString(), "--protected-mode", "yes"))
      .redirectErrorStream(true)
      .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
      .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!answersPing()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("redis-server did not start on port " + port + "; see " + dir.resolve("redis-" + port + ".log"));
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /** Kills the server at once, as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  private boolean answersPing() {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int read = in.readNBytes(reply, 0, 7);
      return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }
}
