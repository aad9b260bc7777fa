package io.tracelake;

/**
 * An invocation that cannot run as given (no such input, unwritable warehouse, bad option). The message is one line
 * that names the input and says what is valid; the launcher prints it and exits with code 2.
 */
public final class UserInputException extends RuntimeException {
  public UserInputException(String message) {
    super(message);
  }
}
