package dev.bffgateway.config;

import java.util.List;

/** A configuration that cannot be used, with every problem found in it, each prefixed by its JSON path. */
public final class ConfigException extends Exception {
  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(errors.size() == 1 ? errors.get(0) : errors.size() + " configuration errors:\n  " + String.join("\n  ", errors), null, false, false);
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
