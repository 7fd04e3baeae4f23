package dev.shim4j.shim.internal;

import dev.shim4j.shim.Flags;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The wire format between the distribution's {@code shim4j-start} launcher
 * (launcher/src/main/resources/dev/shim4j/launcher/shim4j-start.c) and a JVM that answers its {@code start} ({@link
 * StartResponder}). Integers are 32-bit big-endian, strings a length and their UTF-8 bytes.
 *
 * <pre>
 *   request  = "S4J1" u32 body_length body
 *   body     = u32 argc arg* cwd u32 envc env* stdin       (env entries as NAME=VALUE)
 *   response = 'T' | 'D', then after 'T': i32 status, stdout, stderr
 * </pre>
 *
 * A request is at most {@value #MAX_REQUEST} bytes, its stdin at most {@value #MAX_STDIN} (the
 * launcher starts cold with more); anything else is a {@link MalformedRequest}.
 */
final class StartWire {
  static final byte TAKEN = 'T';
  static final byte DECLINED = 'D';
  static final int MAX_STDIN = 1 << 20;
  static final int MAX_REQUEST = 4 << 20;
  private static final byte[] MAGIC = "S4J1".getBytes(StandardCharsets.US_ASCII);
  /** Variables a shell sets for what it runs: they may differ between launcher and JVM. */
  private static final Set<String> SHELL_VARIABLES = Set.of("_", "SHLVL", "PWD", "OLDPWD");

  private StartWire() {}

  /** A request that is not one: the connection is dropped, the responder serves on. */
  static final class MalformedRequest extends IOException {
    MalformedRequest(String why) {
      super(why);
    }
  }

  /** A launcher's start: its arguments, working directory (the bundle), environment, stdin. */
  record Request(List<String> args, Path cwd, Map<String, String> env, byte[] stdin) {
    Request {
      args = List.copyOf(args);
      env = Map.copyOf(env);
    }

    /** Whether it is a {@code start}, in a bundle. */
    boolean isStart() {
      return !args.isEmpty() && args.getLast().equals(Flags.ACTION_START) && cwd.isAbsolute();
    }

    /**
     * Whether the launcher runs in {@code own} environment (this JVM's: containerd's): a daemon
     * made here gets this JVM's environment, not the launcher's.
     */
    boolean sameEnvironmentAs(Map<String, String> own) {
      Map<String, String> a = new HashMap<>(env);
      Map<String, String> b = new HashMap<>(own);
      a.keySet().removeAll(SHELL_VARIABLES);
      b.keySet().removeAll(SHELL_VARIABLES);
      return a.equals(b);
    }

    /**
     * The start's arguments for a JVM other than the launcher's: {@code -bundle} (by default the
     * working directory, which is another one here) and then the launcher's.
     */
    List<String> startArgs() {
      List<String> all = new ArrayList<>(List.of("-bundle", cwd.toString()));
      all.addAll(args);
      return all;
    }
  }

  /** Reads one request; bounded memory whatever the peer sends. */
  static Request read(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    byte[] magic = new byte[MAGIC.length];
    in.readFully(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new MalformedRequest("not a shim4j-start request (or another protocol version)");
    }
    int length = in.readInt();
    if (length < 0 || length > MAX_REQUEST) {
      throw new MalformedRequest("request of " + Integer.toUnsignedString(length) + " bytes");
    }
    Body body = new Body(in.readNBytes(length));
    if (body.bytes.length < length) {
      throw new EOFException("request cut short");
    }
    List<String> args = body.strings();
    String cwd = body.string();
    Map<String, String> env = new HashMap<>();
    for (String entry : body.strings()) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    byte[] stdin = body.bytes();
    if (stdin.length > MAX_STDIN) {
      throw new MalformedRequest("stdin of " + stdin.length + " bytes");
    }
    try {
      return new Request(args, Path.of(cwd), env, stdin);
    } catch (InvalidPathException e) {
      throw new MalformedRequest("working directory " + cwd);
    }
  }

  /** A request as the launcher writes it (for tests, and the format's one definition here). */
  static byte[] encode(Request request) {
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(body);
      out.writeInt(request.args().size());
      for (String arg : request.args()) {
        writeBytes(out, arg.getBytes(StandardCharsets.UTF_8));
      }
      writeBytes(out, request.cwd().toString().getBytes(StandardCharsets.UTF_8));
      out.writeInt(request.env().size());
      for (Map.Entry<String, String> e : request.env().entrySet()) {
        writeBytes(out, (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
      }
      writeBytes(out, request.stdin());
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      DataOutputStream framed = new DataOutputStream(all);
      framed.write(MAGIC);
      framed.writeInt(body.size());
      body.writeTo(framed);
      return all.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory
    }
  }

  /** The final reply after {@link #TAKEN}: how start ended, its stdout and stderr. */
  static byte[] reply(int status, byte[] stdout, byte[] stderr) {
    ByteArrayOutputStream all = new ByteArrayOutputStream(12 + stdout.length + stderr.length);
    DataOutputStream out = new DataOutputStream(all);
    try {
      out.writeInt(status);
      writeBytes(out, stdout);
      writeBytes(out, stderr);
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory
    }
    return all.toByteArray();
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /** A request's body, read field by field within its own length. */
  private static final class Body {
    private final byte[] bytes;
    private int at;

    Body(byte[] bytes) {
      this.bytes = bytes;
    }

    int count() throws MalformedRequest {
      if (bytes.length - at < 4) {
        throw new MalformedRequest("request ends inside a field");
      }
      int n = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
          | bytes[at + 3] & 0xff;
      at += 4;
      if (n < 0 || n > bytes.length - at) {
        throw new MalformedRequest("a field longer than the request");
      }
      return n;
    }

    byte[] bytes() throws MalformedRequest {
      int n = count();
      byte[] field = java.util.Arrays.copyOfRange(bytes, at, at + n);
      at += n;
      return field;
    }

    String string() throws MalformedRequest {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    List<String> strings() throws MalformedRequest {
      int n = count();
      if (n > (bytes.length - at) / 4) { // each takes 4 bytes at least
        throw new MalformedRequest("more strings than the request holds");
      }
      List<String> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(string());
      }
      return list;
    }
  }
}
