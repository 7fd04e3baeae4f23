package dev.shim4j.shim.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesEveryKindOfValue() {
    Object v = Json.parse(" {\"a\": [1, -2, 3.5, -0.25e2, true, false, null, \"s\"], \"b\": {}, \"c\": []}\n");
    assertThat(v).isEqualTo(Map.of(
        "a", java.util.Arrays.asList(1L, -2L, 3.5, -25.0, true, false, null, "s"),
        "b", Map.of(), "c", List.of()));
  }

  @Test
  void keepsKeyOrderAndLastDuplicateWins() {
    Map<String, Object> m = Json.parseObject("{\"z\":1,\"a\":2,\"z\":3}");
    assertThat(m.keySet()).containsExactly("z", "a");
    assertThat(m.get("z")).isEqualTo(3L);
  }

  @Test
  void decodesEscapesAndSurrogatePairs() {
    assertThat(Json.parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9 \\ud83d\\ude00 é😀\""))
        .isEqualTo("q\" b\\ s/ \b\f\n\r\t Aé 😀 é😀");
    // A lone surrogate escape is kept as the char it names.
    assertThat(Json.parse("\"\\ud800\"")).isEqualTo("\ud800");
  }

  @Test
  void numbersKeepTheirMagnitude() {
    assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(Json.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(Json.parse("18446744073709551615")).isEqualTo(new BigInteger("18446744073709551615"));
    assertThat(Json.parse("0")).isEqualTo(0L);
    assertThat(Json.parse("-0")).isEqualTo(0L);
    assertThat(Json.parse("1E2")).isEqualTo(100.0);
    assertThat(Json.parse("1e-2")).isEqualTo(0.01);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01", "1.", ".5", "-",
      "+1", "1e", "1e+", "tru", "nul", "[1 2]", "{\"a\" 1}", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"",
      "\"a\tb\"", "\"a\nb\"", "1 2", "[] x", "NaN", "Infinity", "1e999", "{\"a\":1}}", "\u00a0{}",
      "[\"\\\"]"})
  void rejectsMalformedInput(String text) {
    assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("invalid JSON at offset");
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("nesting");
    String ok = "[".repeat(500) + "]".repeat(500);
    assertThat(Json.parse(ok)).isInstanceOf(List.class);
  }

  @Test
  void writesCompactEscapedJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "q\"\\\n\u0001\u2028é😀/");
    m.put("n", 42L);
    m.put("d", 2.5);
    m.put("w", 3.0);
    m.put("b", true);
    m.put("z", null);
    m.put("l", List.of(1, "x"));
    m.put("big", new BigInteger("18446744073709551615"));
    assertThat(Json.write(m)).isEqualTo(
        "{\"s\":\"q\\\"\\\\\\n\\u0001\\u2028é😀/\",\"n\":42,\"d\":2.5,\"w\":3,\"b\":true,\"z\":null,"
            + "\"l\":[1,\"x\"],\"big\":18446744073709551615}");
  }

  @Test
  void writeThenParseRoundTrips() {
    Map<String, Object> m = new LinkedHashMap<>();
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x300; c++) {
      all.append(c);
    }
    m.put("chars", all.toString() + "\ud83d\ude00");
    m.put("nested", List.of(Map.of("k", List.of()), -7L, 1.0E-7));
    assertThat(Json.parse(Json.write(m))).isEqualTo(m);
  }

  @Test
  void writeRejectsWhatJsonCannotHold() {
    assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(Json.JsonException.class);
    assertThatThrownBy(() -> Json.write(Map.of(1, 2))).isInstanceOf(Json.JsonException.class);
    assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(Json.JsonException.class);
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    assertThatThrownBy(() -> Json.write(cycle)).isInstanceOf(Json.JsonException.class);
  }
}
