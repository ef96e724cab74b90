package dev.bffgateway.cli;

/** Entry point of {@code bff-gateway.jar}. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    int code = new Cli(System.in, System.out, System.err, System::getenv).execute(args);
    if (code != Cli.RUNNING) {
      System.exit(code);
    }
  }
}
