package dev.bffgateway.token;

/** Key material that cannot be used, with a message that tells the operator what to do. */
public final class KeyMaterialException extends Exception {
  public KeyMaterialException(String message) {
    super(message, null, false, false);
  }
}
