package dev.shim4j.shim.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogrusFormatTest {
  private static final Instant T = Instant.parse("2026-01-02T03:04:05.000120300Z");
  private final LogrusFormat utc = new LogrusFormat(ZoneOffset.UTC);

  @Test
  void plainLineHasTimeLevelMsg() {
    assertThat(utc.format(T, Level.INFO, "starting", Map.of()))
        .isEqualTo("time=\"2026-01-02T03:04:05.000120300Z\" level=info msg=starting\n");
  }

  @Test
  void zoneOffsetIsPrintedAndFractionIsFixedWidth() {
    LogrusFormat berlin = new LogrusFormat(ZoneId.of("Europe/Berlin"));
    assertThat(berlin.format(Instant.parse("2026-01-02T03:04:05Z"), Level.INFO, "x", Map.of()))
        .startsWith("time=\"2026-01-02T04:04:05.000000000+01:00\" ");
  }

  @Test
  void timeFieldsArePaddedAndNegativeOffsetsPrinted() {
    LogrusFormat ny = new LogrusFormat(ZoneId.of("America/New_York"));
    assertThat(ny.format(Instant.parse("0999-07-08T09:05:01.5Z"), Level.INFO, "x", Map.of()))
        .startsWith("time=\"0999-07-08T04:08:59.500000000-04:56\" ");
    assertThat(LogrusFormat.utc().format(Instant.parse("2026-12-31T23:59:59.999999999Z"), Level.INFO, "x", Map.of()))
        .startsWith("time=\"2026-12-31T23:59:59.999999999Z\" ");
  }

  @Test
  void levelsUseLogrusNames() {
    assertThat(utc.format(T, Level.WARNING, "w", Map.of())).contains(" level=warning ");
    assertThat(utc.format(T, Level.ERROR, "e", Map.of())).contains(" level=error ");
    assertThat(utc.format(T, Level.DEBUG, "d", Map.of())).contains(" level=debug ");
    assertThat(utc.format(T, Level.TRACE, "t", Map.of())).contains(" level=trace ");
  }

  @Test
  void messagesWithSpacesQuotesAndNewlinesAreGoQuoted() {
    String line = utc.format(T, Level.INFO, "say \"hi\"\nback\\slash\ttab", Map.of());
    assertThat(line).endsWith(" msg=\"say \\\"hi\\\"\\nback\\\\slash\\ttab\"\n");
    // One entry stays one line whatever the message holds.
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
  }

  @Test
  void fieldsFollowMsgSortedAndQuotedOnlyWhenNeeded() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("runtime", "io.containerd.runc.v2");
    fields.put("id", "c1");
    fields.put("path", "/run/a b");
    fields.put("empty", "");
    assertThat(utc.format(T, Level.INFO, "m", fields)).isEqualTo(
        "time=\"2026-01-02T03:04:05.000120300Z\" level=info msg=m empty= id=c1"
            + " path=\"/run/a b\" runtime=io.containerd.runc.v2\n");
  }

  @Test
  void plainCharactersAreThoseLogrusLeavesBare() {
    assertThat(LogrusFormat.needsQuoting("a-Z_0.9/x@y^z+w")).isFalse();
    assertThat(LogrusFormat.needsQuoting("a=b")).isTrue();
    assertThat(LogrusFormat.needsQuoting("a:b")).isTrue();
    assertThat(LogrusFormat.needsQuoting("ü")).isTrue();
  }

  @Test
  void goQuoteEscapesControlAndKeepsPrintableUnicode() {
    assertThat(GoQuote.quote("ü€😀")).isEqualTo("\"ü€😀\"");
    assertThat(GoQuote.quote("\u0000\u001b\u007f")).isEqualTo("\"\\x00\\x1b\\x7f\"");
    assertThat(GoQuote.quote("\u0007\b\f\r\u000b")).isEqualTo("\"\\a\\b\\f\\r\\v\"");
    assertThat(GoQuote.quote("\u200b\u2028")).isEqualTo("\"\\u200b\\u2028\"");
    assertThat(GoQuote.quote("\udb80\udc00")).isEqualTo("\"\\U00f0000\"".replace("00f0000", "000f0000"));
    assertThat(GoQuote.quote("x\ud800y")).isEqualTo("\"x\ufffdy\"");
  }
}
