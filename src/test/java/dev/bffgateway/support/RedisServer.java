package dev.bffgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
  private final List<String> options;
  private Process process;

  private RedisServer(int port, Path dir, List<String> options) {
    this.port = port;
    this.dir = dir;
    this.options = options;
  }

  public static RedisServer start(Path dir) throws IOException {
    return start(dir, List.of());
  }

  /** With more redis-server options: {@code --replicaof}, {@code --cluster-enabled}, … */
  public static RedisServer start(Path dir, List<String> options) throws IOException {
    RedisServer server = new RedisServer(freePort(), dir, options);
    server.startProcess();
    return server;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  public void startProcess() throws IOException {
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
      // Persistence as docs/deployment.md recommends: what Redis acknowledged survives a kill and a restart.
      "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir.toString(),
      "--appenddirname", "appendonly-" + port, "--protected-mode", "yes"));
    command.addAll(options);
    process = startAndAwait(command, port, dir.resolve("redis-" + port + ".log"));
  }

  /** Starts a redis-server process (a server or a sentinel) and waits until it answers PING. */
  static Process startAndAwait(List<String> command, int port, Path log) throws IOException {
    Process started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!answersPing(port)) {
      if (!started.isAlive() || System.nanoTime() > deadline) {
        started.destroyForcibly();
        throw new IOException("redis-server did not start on port " + port + "; see " + log);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
    return started;
  }

  /** Runs redis-cli against a port: the reply as text, one line per element (what a test polls and asserts on). */
  public static String cli(int port, String... arguments) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(arguments));
    return run(command);
  }

  static String run(List<String> command) {
    return run(command, null);
  }

  /** Runs a command, with a file as its standard input when one is given. */
  static String run(List<String> command, Path input) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (input != null) {
        builder.redirectInput(input.toFile());
      }
      Process cli = builder.start();
      String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (cli.waitFor() != 0) {
        throw new IllegalStateException(command + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the server at once, as a crash would. */
  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** Stops the process (SIGSTOP) as a stalled machine would: it keeps its connections and answers nothing. */
  public void pause() {
    run(List.of("kill", "-STOP", Long.toString(process.pid())));
  }

  public void resume() {
    run(List.of("kill", "-CONT", Long.toString(process.pid())));
  }

  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  private static boolean answersPing(int port) {
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
