package io.tracelake.search;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an MLflow filter string into tokens: words (identifiers and keywords, dots allowed inside), backticked keys,
 * single- or double-quoted strings (backslash escapes and doubled quotes), numbers, comparators, parentheses and
 * commas. Any other character is an error at its position.
 */
final class FilterLexer {

  enum Kind { WORD, BACKTICKED, STRING, NUMBER, COMPARATOR, LPAREN, RPAREN, COMMA, END }

  /** A token and where it starts in the filter (0-based). */
  record Token(Kind kind, String text, int position) {
    String describe() {
      return switch (kind) {
        case END -> "the end of the filter";
        case STRING -> "string '" + text + "'";
        case BACKTICKED -> "`" + text + "`";
        default -> "'" + text + "'";
      };
    }
  }

  private final String filter;
  private int pos;

  private FilterLexer(String filter) {
    this.filter = filter;
  }

  static List<Token> tokenize(String filter) {
    return new FilterLexer(filter).all();
  }

  private List<Token> all() {
    List<Token> tokens = new ArrayList<>();
    while (true) {
      skipSpace();
      if (pos >= filter.length()) {
        tokens.add(new Token(Kind.END, "", pos));
        return tokens;
      }
      tokens.add(next());
    }
  }

  private void skipSpace() {
    while (pos < filter.length() && Character.isWhitespace(filter.charAt(pos))) {
      pos++;
    }
  }

  private Token next() {
    int start = pos;
    char c = filter.charAt(pos);
    switch (c) {
      case '(' -> {
        pos++;
        return new Token(Kind.LPAREN, "(", start);
      }
      case ')' -> {
        pos++;
        return new Token(Kind.RPAREN, ")", start);
      }
      case ',' -> {
        pos++;
        return new Token(Kind.COMMA, ",", start);
      }
      case '\'', '"' -> {
        return new Token(Kind.STRING, quoted(c), start);
      }
      case '`' -> {
        return new Token(Kind.BACKTICKED, backticked(), start);
      }
      case '=', '<', '>', '!' -> {
        return comparator(start);
      }
      default -> { }
    }
    if (Character.isDigit(c) || (c == '-' || c == '.' || c == '+') && pos + 1 < filter.length()
        && Character.isDigit(filter.charAt(pos + 1))) {
      return number(start);
    }
    if (Character.isLetter(c) || c == '_') {
      while (pos < filter.length() && (Character.isLetterOrDigit(filter.charAt(pos))
          || filter.charAt(pos) == '_' || filter.charAt(pos) == '.')) {
        pos++;
      }
      return new Token(Kind.WORD, filter.substring(start, pos), start);
    }
    throw FilterException.at(filter, start, "Unexpected character '" + printable(c) + "'",
        "a key, a comparator, a quoted value, a number, AND, OR or parentheses");
  }

  private Token comparator(int start) {
    String two = pos + 1 < filter.length() ? filter.substring(pos, pos + 2) : "";
    if (two.equals("!=") || two.equals("<=") || two.equals(">=")) {
      pos += 2;
      return new Token(Kind.COMPARATOR, two, start);
    }
    char c = filter.charAt(pos);
    if (c == '!') {
      throw FilterException.at(filter, start, "Invalid comparator '!'", "=, !=, <, <=, >, >=");
    }
    pos++;
    if (c == '=' && pos < filter.length() && filter.charAt(pos) == '=') {
      throw FilterException.at(filter, start, "Invalid comparator '=='", "=, !=, <, <=, >, >=");
    }
    return new Token(Kind.COMPARATOR, String.valueOf(c), start);
  }

  private String quoted(char quote) {
    int start = pos;
    pos++;
    StringBuilder sb = new StringBuilder();
    while (pos < filter.length()) {
      char c = filter.charAt(pos);
      if (c == '\\' && pos + 1 < filter.length()) {
        sb.append(filter.charAt(pos + 1));
        pos += 2;
      } else if (c == quote) {
        if (pos + 1 < filter.length() && filter.charAt(pos + 1) == quote) {
          sb.append(quote);
          pos += 2;
        } else {
          pos++;
          return sb.toString();
        }
      } else {
        sb.append(c);
        pos++;
      }
    }
    throw FilterException.at(filter, start, "Unterminated string", "a value closed with " + quote);
  }

  private String backticked() {
    int start = pos;
    pos++;
    StringBuilder sb = new StringBuilder();
    while (pos < filter.length()) {
      char c = filter.charAt(pos);
      if (c == '`') {
        if (pos + 1 < filter.length() && filter.charAt(pos + 1) == '`') {
          sb.append('`');
          pos += 2;
        } else {
          pos++;
          if (sb.length() == 0) {
            throw FilterException.at(filter, start, "Empty backticked key", "a key such as `mlflow.trace.user`");
          }
          return sb.toString();
        }
      } else {
        sb.append(c);
        pos++;
      }
    }
    throw FilterException.at(filter, start, "Unterminated backticked key", "a key closed with `");
  }

  private Token number(int start) {
    if (filter.charAt(pos) == '-' || filter.charAt(pos) == '+') {
      pos++;
    }
    while (pos < filter.length() && (Character.isDigit(filter.charAt(pos)) || filter.charAt(pos) == '.'
        || filter.charAt(pos) == 'e' || filter.charAt(pos) == 'E'
        || ((filter.charAt(pos) == '-' || filter.charAt(pos) == '+')
            && (filter.charAt(pos - 1) == 'e' || filter.charAt(pos - 1) == 'E')))) {
      pos++;
    }
    String text = filter.substring(start, pos);
    try {
      Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw FilterException.at(filter, start, "Invalid number '" + text + "'", "a number such as 1765000000000");
    }
    if (pos < filter.length() && (Character.isLetter(filter.charAt(pos)) || filter.charAt(pos) == '_')) {
      throw FilterException.at(filter, start, "Invalid number '" + text + filter.charAt(pos) + "...'",
          "a number, or a string value in quotes");
    }
    return new Token(Kind.NUMBER, text, start);
  }

  static String printable(char c) {
    return Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }
}
