package dev.shim4j.runc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code runc events --stats} sample. The commonly used counters are typed; {@code data} keeps
 * the whole tree (blkio, hugetlb, network...) for callers that need more.
 */
public record RuncStats(Cpu cpu, Memory memory, Pids pids, Map<String, Object> data) {

  public record Cpu(
      long total,
      long kernel,
      long user,
      List<Long> perCpu,
      long throttlingPeriods,
      long throttledPeriods,
      long throttledTime) {}

  public record MemoryEntry(long limit, long usage, long max, long failcnt) {
    static MemoryEntry of(Map<String, Object> m) {
      return new MemoryEntry(
          Json.number(m, "limit"),
          Json.number(m, "usage"),
          Json.number(m, "max"),
          Json.number(m, "failcnt"));
    }
  }

  public record Memory(
      long cache,
      MemoryEntry usage,
      MemoryEntry swap,
      MemoryEntry kernel,
      MemoryEntry kernelTcp,
      Map<String, Long> raw) {}

  public record Pids(long current, long limit) {}

  /** Parses the event object runc prints ({@code {"type":"stats","id":..,"data":{..}}}). */
  static RuncStats parse(String json) {
    Map<String, Object> event = Json.parseObject(json);
    if (!"stats".equals(Json.string(event, "type"))) {
      throw new IllegalArgumentException(
          "runc events: expected a stats event, got " + Json.abbreviate(json));
    }
    Map<String, Object> data = Json.object(event, "data");

    Map<String, Object> cpu = Json.object(data, "cpu");
    Map<String, Object> usage = Json.object(cpu, "usage");
    Map<String, Object> thr = Json.object(cpu, "throttling");
    List<Long> perCpu = new ArrayList<>();
    for (Object o : Json.array(usage, "percpu")) {
      perCpu.add(o instanceof Number n ? n.longValue() : 0L);
    }
    Cpu c =
        new Cpu(
            Json.number(usage, "total"),
            Json.number(usage, "kernel"),
            Json.number(usage, "user"),
            List.copyOf(perCpu),
            Json.number(thr, "periods"),
            Json.number(thr, "throttled_periods"),
            Json.number(thr, "throttled_time"));

    Map<String, Object> mem = Json.object(data, "memory");
    Map<String, Long> raw = new LinkedHashMap<>();
    Json.object(mem, "raw").forEach((k, v) -> raw.put(k, v instanceof Number n ? n.longValue() : 0L));
    Memory m =
        new Memory(
            Json.number(mem, "cache"),
            MemoryEntry.of(Json.object(mem, "usage")),
            MemoryEntry.of(Json.object(mem, "swap")),
            MemoryEntry.of(Json.object(mem, "kernel")),
            MemoryEntry.of(Json.object(mem, "kernelTCP")),
            Map.copyOf(raw));

    Map<String, Object> pids = Json.object(data, "pids");
    Pids p = new Pids(Json.number(pids, "current"), Json.number(pids, "limit"));
    return new RuncStats(c, m, p, data);
  }
}
