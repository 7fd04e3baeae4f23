package dev.shim4j.shim.log;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Where the shim's {@link System.Logger}s write, and where they come from. shim4j's own code takes
 * its loggers from {@link #logger}; {@code System.getLogger(name)} returns the same kind of logger
 * (our {@link ShimLoggerFinder} is registered as the JDK's LoggerFinder), so user code and the
 * JDK's internals log to the same place. This class decides the destination and the level.
 *
 * <p>Until {@link #configure} runs, lines go to stderr synchronously (the shim's {@code start} and
 * {@code delete} actions, whose stderr containerd logs). {@code configure} points them at the
 * bundle's {@code log} FIFO (or a plain file) through a bounded queue and one writer thread, so a
 * FIFO that nobody reads costs dropped lines, never a stuck shim.
 */
public final class ShimLogging {
  private static final LogrusFormat FORMAT = LogrusFormat.utc();
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  private static volatile Level level = Level.INFO;
  private static volatile Map<String, String> fields = Map.of();
  private static volatile Output output = new Direct(new StreamSink(System.err));

  private ShimLogging() {}

  /**
   * The logger named after {@code type}: what {@code System.getLogger(type.getName())} returns in
   * a shim, without going through the JDK's LoggerFinder. The JDK finds a LoggerFinder with a
   * ServiceLoader that opens every jar on the class path; in a shim that is about 20 ms of a cold
   * {@code start}, which containerd waits for.
   */
  public static System.Logger logger(Class<?> type) {
    return logger(type.getName());
  }

  /** The logger called {@code name}; see {@link #logger(Class)}. */
  public static System.Logger logger(String name) {
    return new ShimLogger(name, false);
  }

  /**
   * Sends every log line to {@code logFifoOrFile} from now on: a FIFO is opened write-only and
   * non-blocking (reopened when its reader comes back), anything else is appended to as a file.
   */
  public static void configure(Path logFifoOrFile, Level minimum) throws IOException {
    configure(logFifoOrFile, minimum, Map.of());
  }

  /** As {@link #configure(Path, Level)}, adding {@code defaultFields} to every line. */
  public static void configure(Path logFifoOrFile, Level minimum, Map<String, String> defaultFields)
      throws IOException {
    LogSink sink = isFifo(logFifoOrFile) ? new FifoSink(logFifoOrFile) : new FileSink(logFifoOrFile);
    install(new Queued(new AsyncLogWriter(sink, AsyncLogWriter.DEFAULT_CAPACITY, ShimLogging::dropNotice)),
        minimum, defaultFields);
  }

  /** Writes synchronously to {@code out} (stderr by default), e.g. for {@code start}/{@code delete}. */
  public static void configure(OutputStream out, Level minimum) {
    install(new Direct(new StreamSink(out)), minimum, Map.of());
  }

  /** Only changes the level; {@link Level#OFF} silences everything. */
  public static void setLevel(Level minimum) {
    level = minimum;
  }

  public static Level level() {
    return level;
  }

  /**
   * The level a shim runs with: {@code -debug} forces DEBUG; otherwise the configured logrus level
   * name ("trace", "debug", "info", "warn"/"warning", "error", "fatal", "panic"), INFO when empty.
   */
  public static Level levelFor(String configured, boolean debugFlag) {
    if (debugFlag) {
      return Level.DEBUG;
    }
    if (configured == null || configured.isBlank()) {
      return Level.INFO;
    }
    return switch (configured.trim().toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE;
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARNING;
      case "error", "fatal", "panic" -> Level.ERROR;
      default -> throw new IllegalArgumentException("unknown log level " + configured
          + " (want trace, debug, info, warn, error, fatal or panic)");
    };
  }

  /** Lines lost because the destination could not keep up. */
  public static long droppedLines() {
    return output.dropped();
  }

  /** Waits (up to {@code timeout}) until the lines logged so far were handed to the destination. */
  public static boolean flush(Duration timeout) throws InterruptedException {
    return output.flush(timeout);
  }

  /** Flushes and closes the destination; later lines go to stderr again. For shutdown and tests. */
  public static void reset() {
    install(new Direct(new StreamSink(System.err)), Level.INFO, Map.of());
  }

  static boolean isEnabled(Level candidate) {
    Level min = level;
    return candidate != Level.OFF && min != Level.OFF && candidate.getSeverity() >= min.getSeverity();
  }

  static void emit(Level lineLevel, String msg, Map<String, String> extra) {
    Map<String, String> all = fields;
    if (!extra.isEmpty()) {
      all = new java.util.HashMap<>(all);
      all.putAll(extra);
    }
    String line = FORMAT.format(Instant.now(), lineLevel, msg, all);
    output.write(line.getBytes(StandardCharsets.UTF_8));
  }

  private static synchronized void install(Output next, Level minimum, Map<String, String> defaultFields) {
    Output previous = output;
    fields = Map.copyOf(defaultFields);
    level = minimum;
    output = next;
    previous.close();
  }

  private static byte[] dropNotice(long lost) {
    return FORMAT.format(Instant.now(), Level.WARNING, "log lines dropped: the log reader is not keeping up",
        Map.of("dropped", Long.toString(lost))).getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isFifo(Path path) throws IOException {
    if (!Files.exists(path)) {
      return false;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return (mode & 0170000) == 0010000;
  }

  /** A destination with its delivery policy. */
  private sealed interface Output permits Direct, Queued {
    void write(byte[] line);

    long dropped();

    boolean flush(Duration timeout) throws InterruptedException;

    void close();
  }

  /** Synchronous: stderr during start/delete must not lose the last lines before exit. */
  private static final class Direct implements Output {
    private final LogSink sink;
    private long dropped;

    Direct(LogSink sink) {
      this.sink = sink;
    }

    @Override
    public synchronized void write(byte[] line) {
      try {
        if (!sink.write(line)) {
          dropped++;
        }
      } catch (IOException e) {
        dropped++;
      }
    }

    @Override
    public synchronized long dropped() {
      return dropped;
    }

    @Override
    public boolean flush(Duration timeout) {
      return true;
    }

    @Override
    public void close() {
      sink.close();
    }
  }

  private record Queued(AsyncLogWriter writer) implements Output {
    @Override
    public void write(byte[] line) {
      writer.submit(line);
    }

    @Override
    public long dropped() {
      return writer.dropped();
    }

    @Override
    public boolean flush(Duration timeout) throws InterruptedException {
      return writer.flush(timeout);
    }

    @Override
    public void close() {
      writer.close(CLOSE_GRACE);
    }
  }
}
