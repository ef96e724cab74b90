package dev.bffgateway.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where {@code hash-password} reads the password: at a terminal, typed twice without echo; otherwise the first line
 * of standard input, so that scripts can pipe it in. Passwords are char arrays that the caller zeroes after use,
 * never Strings, which cannot be wiped.
 */
final class PasswordInput {
  /** A terminal: shows a prompt, then reads a line without echoing it. */
  @FunctionalInterface
  interface Terminal {
    /** @return the line typed, or null at the end of input */
    char[] readPassword(String prompt);
  }

  private PasswordInput() {
  }

  /** The terminal this process was started at, or null when its standard streams are redirected. */
  static Terminal systemTerminal() {
    Console console = System.console();
    return console == null || !isTerminal(console) ? null : prompt -> console.readPassword("%s", prompt);
  }

  /**
   * Since Java 22, System.console() returns a Console even when the streams are redirected, and Console.isTerminal
   * (Java 22, so called by name here) tells the difference; before, a Console meant a terminal.
   */
  private static boolean isTerminal(Console console) {
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /** Asks twice. @return the password, or null with the reason written to {@code err} when none or two differing ones were typed */
  static char[] fromTerminal(Terminal terminal, PrintStream err) {
    char[] password = terminal.readPassword("Password: ");
    if (password == null || password.length == 0) {
      err.println("no password typed");
      return null;
    }
    char[] repeated = terminal.readPassword("Repeat: ");
    try {
      if (!Arrays.equals(password, repeated)) {
        Arrays.fill(password, '\0');
        err.println("the two passwords differ; nothing was hashed");
        return null;
      }
      return password;
    } finally {
      if (repeated != null) {
        Arrays.fill(repeated, '\0');
      }
    }
  }

  /** The first line of {@code in}, without its line break. @return the password, or null with the reason written to {@code err} */
  static char[] fromStandardInput(InputStream in, PrintStream err) {
    char[] line = new char[64];
    int length = 0;
    try {
      Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
      for (int c = reader.read(); c != -1 && c != '\n'; c = reader.read()) {
        if (length == line.length) {
          char[] longer = Arrays.copyOf(line, length * 2);
          Arrays.fill(line, '\0');
          line = longer;
        }
        line[length++] = (char) c;
      }
    } catch (IOException e) {
      length = 0;
    }
    if (length > 0 && line[length - 1] == '\r') {
      length--;
    }
    char[] password = length == 0 ? null : Arrays.copyOf(line, length);
    Arrays.fill(line, '\0');
    if (password == null) {
      err.println("no password on standard input");
    }
    return password;
  }
}
