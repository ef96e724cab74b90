package dev.bffgateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Decodes the text of a JSON file that must hold one object. A syntax error is reported where it is, as
 * {@code file:line:column: reason}, the form editors jump to.
 */
public final class JsonText {
  /** Character codes and Jackson's "source not shown" note: noise in a message about a file the user has open. */
  private static final Pattern CODE = Pattern.compile(" \\(code \\d+\\)");
  private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;\\]]*; ([^\\]]*)]");

  private JsonText() {
  }

  /**
   * @param source the file the text was read from, named in the error; null for text that is not from a file
   * @throws ConfigException with one error: the syntax error with its line and column, or that the text holds no object
   */
  public static JsonObject object(String text, String source) throws ConfigException {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      // Vert.x decodes with Jackson and keeps its exception, which knows where the parser stopped.
      if (e.getCause() instanceof JsonProcessingException syntax && syntax.getLocation() != null) {
        throw new ConfigException(List.of(at(source, syntax.getLocation()) + ": " + reason(syntax.getOriginalMessage())));
      }
      String what = text.isBlank() ? "is empty, not a JSON object" : "not a JSON object";
      throw new ConfigException(List.of((source == null ? JsonPath.display(JsonPath.ROOT) : source) + ": " + what));
    }
  }

  private static String at(String source, JsonLocation location) {
    return source == null ? "line " + location.getLineNr() + ", column " + location.getColumnNr()
      : source + ":" + location.getLineNr() + ":" + location.getColumnNr();
  }

  private static String reason(String message) {
    String cleaned = SOURCE.matcher(CODE.matcher(message).replaceAll("")).replaceAll("$1");
    return cleaned.isEmpty() ? "invalid JSON" : Character.toLowerCase(cleaned.charAt(0)) + cleaned.substring(1);
  }
}
