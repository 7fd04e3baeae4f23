package dev.shim4j.shim.internal;

/**
 * What {@code start} prints: the whole of stdout, read by containerd as the answer.
 *
 * <ul>
 *   <li>containerd 1.6 (no MAX_SHIM_VERSION): the plain address;
 *   <li>1.7+ (MAX_SHIM_VERSION 2 or more) and 2.3+ (BootstrapParams on stdin): JSON
 *       {@code {"version":N,"address":"unix://...","protocol":"ttrpc"}}, N the highest task API
 *       version both sides speak (this library always serves v2 and v3).
 * </ul>
 */
final class StartAnswer {
  /** The highest task API version every shim built on this library serves. */
  static final int SERVED_VERSION = 3;

  private StartAnswer() {}

  static String format(String address, int maxShimVersion, boolean bootstrapParams) {
    int version = bootstrapParams ? Math.max(maxShimVersion, SERVED_VERSION) : maxShimVersion;
    version = Math.min(version, SERVED_VERSION);
    if (version < 2) {
      return address;
    }
    return "{\"version\":" + version + ",\"address\":\"" + jsonEscape(address) + "\",\"protocol\":\"ttrpc\"}";
  }

  private static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
