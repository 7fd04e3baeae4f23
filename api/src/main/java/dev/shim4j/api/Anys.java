package dev.shim4j.api;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * {@code google.protobuf.Any} the way containerd writes and reads it.
 *
 * <p>containerd's typeurl registry names protobuf messages by their bare full name
 * ({@code containerd.events.TaskExit}) and containerd 1.6 refuses the
 * {@code type.googleapis.com/} prefix protobuf-java's {@code Any.pack} adds, so {@link #pack}
 * writes the bare name. When reading, both forms are accepted: the type is the part after the
 * last '/'.
 *
 * <p>Some Anys carry JSON instead of protobuf: Go types registered with typeurl (the OCI
 * runtime-spec structs) are marshalled as JSON under a URL such as
 * {@value #OCI_PROCESS}; see {@link #json} and {@link #jsonText}.
 */
public final class Anys {
  /** The type_url of an ExecProcessRequest spec: the JSON OCI Process. */
  public static final String OCI_PROCESS = "types.containerd.io/opencontainers/runtime-spec/1/Process";

  /** The type_url of an UpdateTaskRequest's resources: the JSON OCI LinuxResources. */
  public static final String OCI_LINUX_RESOURCES =
      "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";

  /** The type_url of a whole JSON OCI Spec. */
  public static final String OCI_SPEC = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

  /**
   * The proto package of each Java package this module generates (one .proto package each).
   * {@link #fullName} derives names from it instead of from descriptors: protobuf-java builds a
   * file's descriptors on first use, from the embedded .proto, which costs a cold shim ~40 ms of
   * CPU and ~200 classes for nothing but a name (AnysTest checks every generated message).
   */
  static final Map<String, String> PROTO_PACKAGES = Map.ofEntries(
      Map.entry("dev.shim4j.api.events", "containerd.events"),
      Map.entry("dev.shim4j.api.bootstrap.v1", "containerd.runtime.bootstrap.v1"),
      Map.entry("dev.shim4j.api.sandbox.v1", "containerd.runtime.sandbox.v1"),
      Map.entry("dev.shim4j.api.task.v2", "containerd.task.v2"),
      Map.entry("dev.shim4j.api.task.v3", "containerd.task.v3"),
      Map.entry("dev.shim4j.api.services.events.v1", "containerd.services.events.ttrpc.v1"),
      Map.entry("dev.shim4j.api.types", "containerd.types"),
      Map.entry("dev.shim4j.api.types.task", "containerd.v1.types"),
      Map.entry("dev.shim4j.api.runc.options", "containerd.runc.v1"),
      Map.entry("dev.shim4j.api.runc.linux", "containerd.linux.runc"),
      Map.entry("dev.shim4j.api.runtimeoptions.v1", "runtimeoptions.v1"),
      Map.entry("dev.shim4j.api.cgroups.v1", "io.containerd.cgroups.v1"),
      Map.entry("dev.shim4j.api.cgroups.v2", "io.containerd.cgroups.v2"),
      Map.entry("dev.shim4j.api.rpc", "google.rpc"));

  private Anys() {}

  /** Packs {@code message} with the bare type_url containerd expects. */
  public static Any pack(Message message) {
    return Any.newBuilder()
        .setTypeUrl(fullName(message.getClass()))
        .setValue(message.toByteString())
        .build();
  }

  /**
   * The full proto name of a message type ({@code containerd.events.TaskExit}). For this module's
   * types it comes from the Java name (one class per message, nested ones as nested classes);
   * for others (protobuf's well-known types, say) from the descriptor.
   */
  public static String fullName(Class<? extends Message> type) {
    String protoPackage = PROTO_PACKAGES.get(type.getPackageName());
    if (protoPackage == null) {
      return Internal.getDefaultInstance(type).getDescriptorForType().getFullName();
    }
    String nested = type.getName().substring(type.getPackageName().length() + 1);
    return protoPackage + "." + nested.replace('$', '.');
  }

  /** The type name of an Any: its type_url after the last '/' (the whole URL when bare). */
  public static String typeName(Any any) {
    String url = any.getTypeUrl();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** True when {@code any} holds a message of {@code type}, with a bare or a prefixed URL. */
  public static boolean is(Any any, Class<? extends Message> type) {
    return typeName(any).equals(fullName(type));
  }

  /** True when {@code any} holds a message of the type {@code descriptor} describes. */
  public static boolean is(Any any, Descriptor descriptor) {
    return typeName(any).equals(descriptor.getFullName());
  }

  /**
   * The message of {@code type} in {@code any}.
   *
   * @throws InvalidProtocolBufferException when the Any holds another type or malformed bytes
   */
  public static <T extends Message> T unpack(Any any, Class<T> type)
      throws InvalidProtocolBufferException {
    T prototype = Internal.getDefaultInstance(type);
    String expected = fullName(type);
    if (!typeName(any).equals(expected)) {
      throw new InvalidProtocolBufferException(
          "Any holds " + describe(any) + ", not " + expected);
    }
    @SuppressWarnings("unchecked") // the parser of T's default instance parses Ts
    Parser<T> parser = (Parser<T>) prototype.getParserForType();
    return parser.parseFrom(any.getValue());
  }

  /**
   * Parses the value of {@code any} with {@code parser}. A parser does not know its type's name,
   * so the type_url is not checked: use this when the type is known from context, and
   * {@link #unpack(Any, Class)} when it must be verified.
   */
  public static <T> T unpack(Any any, Parser<T> parser) throws InvalidProtocolBufferException {
    return parser.parseFrom(any.getValue());
  }

  /** An Any carrying JSON text under {@code typeUrl}, as containerd marshals OCI structs. */
  public static Any json(String typeUrl, String json) {
    Objects.requireNonNull(typeUrl, "typeUrl");
    return Any.newBuilder()
        .setTypeUrl(typeUrl)
        .setValue(ByteString.copyFromUtf8(Objects.requireNonNull(json, "json")))
        .build();
  }

  /**
   * The JSON text of an Any whose type_url is exactly {@code expectedTypeUrl}. (JSON types have
   * no protobuf name to fall back on, so unlike {@link #unpack} the whole URL must match.)
   *
   * @throws IllegalArgumentException when the Any holds another type
   */
  public static String jsonText(Any any, String expectedTypeUrl) {
    if (!any.getTypeUrl().equals(expectedTypeUrl)) {
      throw new IllegalArgumentException(
          "Any holds " + describe(any) + ", not " + expectedTypeUrl);
    }
    return any.getValue().toString(StandardCharsets.UTF_8);
  }

  private static String describe(Any any) {
    return any.getTypeUrl().isEmpty() ? "no type_url" : "'" + any.getTypeUrl() + "'";
  }
}
