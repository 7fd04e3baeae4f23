package dev.shim4j.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void roundTrip() {
    String s = "{\"a\":[1,2.5,\"x\\n\\\"y\\u0041\"],\"b\":{\"c\":true,\"d\":null},\"e\":-3}";
    Object v = Json.parse(s);
    assertThat(v).isInstanceOf(Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    assertThat(Json.array(m, "a")).containsExactly(1L, 2.5, "x\n\"yA");
    assertThat(Json.object(m, "b")).containsEntry("c", true).containsEntry("d", null);
    assertThat(Json.number(m, "e")).isEqualTo(-3);
    assertThat(Json.write(v)).isEqualTo("{\"a\":[1,2.5,\"x\\n\\\"yA\"],\"b\":{\"c\":true,\"d\":null},\"e\":-3}");
  }

  @Test
  void writesControlCharactersEscaped() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k", "\u0001\t");
    m.put("l", List.of());
    assertThat(Json.write(m)).isEqualTo("{\"k\":\"\\u0001\\t\",\"l\":[]}");
  }

  @Test
  void missingOrMistypedFieldsReadAsZeroValues() {
    Map<String, Object> m = Json.parseObject("{\"n\":\"7\",\"s\":7,\"o\":[],\"a\":{}}");
    assertThat(Json.number(m, "n")).isZero();
    assertThat(Json.string(m, "s")).isEmpty();
    assertThat(Json.object(m, "o")).isEmpty();
    assertThat(Json.array(m, "a")).isEmpty();
    assertThat(Json.bool(m, "missing")).isFalse();
    assertThat(Json.number(null, "n")).isZero();
  }

  @Test
  void badInputIsAClearError() {
    assertThatThrownBy(() -> Json.parse("{\"a\":}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset 5");
    assertThatThrownBy(() -> Json.parseObject("[]")).hasMessageContaining("expected a JSON object");
  }
}
