package dev.shim4j.shim.log;

/**
 * Go's {@code strconv.Quote}: a double-quoted string with backslash escapes for quotes,
 * backslashes, control characters and anything not printable; printable Unicode stays as it is.
 */
final class GoQuote {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoQuote() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    append(b, s);
    return b.toString();
  }

  static void append(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case 0x07 -> b.append("\\a");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case 0x0b -> b.append("\\v");
        default -> {
          if (Character.isSurrogate((char) cp)) {
            // A lone surrogate is invalid UTF-16; Go would see U+FFFD after conversion.
            b.append('\uFFFD');
          } else if (isPrint(cp)) {
            b.appendCodePoint(cp);
          } else if (cp < 0x80) {
            b.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
          } else if (cp < 0x10000) {
            hex(b.append("\\u"), cp, 4);
          } else {
            hex(b.append("\\U"), cp, 8);
          }
        }
      }
    }
    b.append('"');
  }

  /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
  static boolean isPrint(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
          Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
      default -> false;
    };
  }

  private static void hex(StringBuilder b, int v, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      b.append(HEX[(v >> shift) & 0xf]);
    }
  }
}
