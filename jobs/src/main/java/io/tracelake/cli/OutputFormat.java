package io.tracelake.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tracelake.UserInputException;
import java.util.Map;

/** {@code --format text|json} of the report commands. */
enum OutputFormat {
  TEXT, JSON;

  private static final ObjectMapper JSON_MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static OutputFormat parse(String value) {
    return switch (value) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new UserInputException("Invalid --format '" + value + "': valid values are text, json");
    };
  }

  String render(String text, Map<String, Object> json) {
    if (this == TEXT) {
      return text;
    }
    try {
      return JSON_MAPPER.writeValueAsString(json) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
