package io.tracelake.config;

/** A configuration a user wrote that cannot be used; the message names the key and what is valid. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
