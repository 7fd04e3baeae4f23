package dev.shim4j.ttrpc.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtrpcProtocPluginTest {
  private static final FileDescriptorProto EMPTY = Empty.getDescriptor().getFile().toProto();
  private static final FileDescriptorProto TIMESTAMP = Timestamp.getDescriptor().getFile().toProto();
  private static final FileDescriptorProto DURATION = Duration.getDescriptor().getFile().toProto();

  /** A file of messages without java_multiple_files: its types live inside the outer class. */
  private static final FileDescriptorProto SINGLE = FileDescriptorProto.newBuilder()
      .setName("test/single.proto")
      .setPackage("test.single")
      .setSyntax("proto3")
      .addMessageType(DescriptorProto.newBuilder().setName("Outer")
          .addNestedType(DescriptorProto.newBuilder().setName("Inner")))
      .addMessageType(DescriptorProto.newBuilder().setName("Single"))
      .build();

  /**
   * A service over well-known types (so that the generated code compiles against classes that
   * exist) with one method of each shape, comments, and a method named like a Java keyword.
   */
  private static final FileDescriptorProto SERVICE = FileDescriptorProto.newBuilder()
      .setName("test/clock.proto")
      .setPackage("test.clock.v1")
      .setSyntax("proto3")
      .addDependency("google/protobuf/empty.proto")
      .addDependency("google/protobuf/timestamp.proto")
      .addDependency("google/protobuf/duration.proto")
      .addDependency("test/single.proto")
      .setOptions(FileOptions.newBuilder().setJavaPackage("dev.test.clock").setJavaMultipleFiles(true))
      .addService(ServiceDescriptorProto.newBuilder().setName("Clock")
          .addMethod(method("Now", ".google.protobuf.Empty", ".google.protobuf.Timestamp", false, false))
          .addMethod(method("Ticks", ".google.protobuf.Duration", ".google.protobuf.Timestamp", false, true))
          .addMethod(method("Sum", ".google.protobuf.Duration", ".google.protobuf.Duration", true, false))
          .addMethod(method("Echo", ".google.protobuf.Timestamp", ".google.protobuf.Timestamp", true, true))
          .addMethod(method("ResizePty", ".google.protobuf.Empty", ".google.protobuf.Empty", false, false))
          .addMethod(method("CloseIO", ".google.protobuf.Empty", ".google.protobuf.Empty", false, false))
          .addMethod(method("New", ".google.protobuf.Empty", ".google.protobuf.Empty", false, false)))
      .setSourceCodeInfo(SourceCodeInfo.newBuilder()
          .addLocation(comment(" Tells the time.\n Second line with <html> & */ inside.\n", 6, 0))
          .addLocation(comment(" The current time.\n", 6, 0, 2, 0)))
      .build();

  /** A service whose types come from a file without java_multiple_files and without java_package. */
  private static final FileDescriptorProto NESTED_USER = FileDescriptorProto.newBuilder()
      .setName("test/user.proto")
      .setPackage("test.user")
      .setSyntax("proto3")
      .addDependency("test/single.proto")
      .addService(ServiceDescriptorProto.newBuilder().setName("Users")
          .addMethod(method("Get", ".test.single.Outer.Inner", ".test.single.Single", false, false)))
      .build();

  private static MethodDescriptorProto.Builder method(
      String name, String in, String out, boolean clientStreams, boolean serverStreams) {
    return MethodDescriptorProto.newBuilder().setName(name).setInputType(in).setOutputType(out)
        .setClientStreaming(clientStreams).setServerStreaming(serverStreams);
  }

  private static SourceCodeInfo.Location comment(String text, Integer... path) {
    return SourceCodeInfo.Location.newBuilder().addAllPath(List.of(path)).setLeadingComments(text).build();
  }

  private static CodeGeneratorResponse generate(String... filesToGenerate) {
    return TtrpcProtocPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addAllProtoFile(List.of(EMPTY, TIMESTAMP, DURATION, SINGLE, SERVICE, NESTED_USER))
        .addAllFileToGenerate(List.of(filesToGenerate))
        .build());
  }

  private static Map<String, String> files(CodeGeneratorResponse response) {
    assertThat(response.getError()).isEmpty();
    return response.getFileList().stream()
        .collect(Collectors.toMap(CodeGeneratorResponse.File::getName, CodeGeneratorResponse.File::getContent));
  }

  @Test
  void writesOneFilePerServiceInTheJavaPackage() {
    Map<String, String> files = files(generate("test/clock.proto", "test/single.proto"));
    assertThat(files).containsOnlyKeys("dev/test/clock/ClockTtrpc.java");
  }

  @Test
  void declaresProto3OptionalSupport() {
    assertThat(generate().getSupportedFeatures() & CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE)
        .isNotZero();
  }

  @Test
  void generatedCodeHasTheAgreedShape() {
    String code = files(generate("test/clock.proto")).get("dev/test/clock/ClockTtrpc.java");
    assertThat(code)
        .startsWith("// Generated by protoc-gen-ttrpc, do not edit.\n")
        .contains("package dev.test.clock;")
        .contains("public final class ClockTtrpc {")
        .contains("public static final String SERVICE_NAME = \"test.clock.v1.Clock\";")
        .contains("METHOD_NOW =", "METHOD_TICKS =", "METHOD_SUM =", "METHOD_ECHO =",
            "METHOD_RESIZE_PTY =", "METHOD_CLOSE_IO =", "METHOD_NEW =")
        .contains("\"Ticks\", dev.shim4j.ttrpc.MethodType.SERVER_STREAMING")
        .contains("\"Sum\", dev.shim4j.ttrpc.MethodType.CLIENT_STREAMING")
        .contains("\"Echo\", dev.shim4j.ttrpc.MethodType.BIDI_STREAMING")
        .contains("dev.shim4j.ttrpc.Marshaller.of(com.google.protobuf.Empty.parser())")
        .contains("public interface Service {")
        .contains("default com.google.protobuf.Timestamp now(dev.shim4j.ttrpc.CallContext ctx, com.google.protobuf.Empty request)")
        .contains("default com.google.protobuf.Empty new_(")
        .contains("public static dev.shim4j.ttrpc.ServiceDefinition bind(Service impl)")
        .contains("public static dev.shim4j.ttrpc.ServiceDefinition bind(Service impl, String serviceName)")
        .contains("public static final class Client {")
        .contains("public Client(dev.shim4j.ttrpc.Client connection, String serviceName)")
        .contains("public dev.shim4j.ttrpc.StreamReceiver<com.google.protobuf.Timestamp> ticks(com.google.protobuf.Duration request)")
        .contains("public dev.shim4j.ttrpc.ClientStreamCall<com.google.protobuf.Duration, com.google.protobuf.Duration> sum()")
        .contains("public dev.shim4j.ttrpc.BidiStreamCall<com.google.protobuf.Timestamp, com.google.protobuf.Timestamp> echo(dev.shim4j.ttrpc.CallOptions options)");
  }

  @Test
  void carriesProtoCommentsAsEscapedJavadoc() {
    String code = files(generate("test/clock.proto")).get("dev/test/clock/ClockTtrpc.java");
    assertThat(code)
        .contains("/**\n * Tells the time.\n * Second line with &lt;html&gt; &amp; *&#47; inside.\n */\npublic final class ClockTtrpc")
        .contains("  /**\n   * The current time.\n   */\n  public static final");
  }

  @Test
  void resolvesTypesOfFilesWithoutMultipleFilesOrJavaPackage() {
    String code = files(generate("test/user.proto")).get("test/user/UsersTtrpc.java");
    assertThat(code)
        .contains("package test.user;")
        .contains("test.single.SingleOuterClass.Outer.Inner.parser()")
        .contains("test.single.SingleOuterClass.Single.parser()");
  }

  @Test
  void reportsUnknownTypesAsAnError() {
    FileDescriptorProto broken = FileDescriptorProto.newBuilder().setName("broken.proto")
        .addService(ServiceDescriptorProto.newBuilder().setName("S")
            .addMethod(method("M", ".no.Such", ".no.Such", false, false)))
        .build();
    CodeGeneratorResponse response = TtrpcProtocPlugin.generate(CodeGeneratorRequest.newBuilder()
        .addProtoFile(broken).addFileToGenerate("broken.proto").build());
    assertThat(response.getError()).contains("unknown message type .no.Such");
    assertThat(response.getFileList()).isEmpty();
  }

  @Test
  void namesFollowTheConventions() {
    assertThat(TtrpcJavaWriter.upperSnake("ResizePty")).isEqualTo("RESIZE_PTY");
    assertThat(TtrpcJavaWriter.upperSnake("CloseIO")).isEqualTo("CLOSE_IO");
    assertThat(TtrpcJavaWriter.upperSnake("HTTPServer2Go")).isEqualTo("HTTP_SERVER2_GO");
    assertThat(TtrpcJavaWriter.upperSnake("SandboxStatus")).isEqualTo("SANDBOX_STATUS");
    assertThat(JavaTypeNames.camelCase("shim_v2-api")).isEqualTo("ShimV2Api");
  }

  @Test
  void generatedCodeCompiles(@TempDir Path out) throws IOException {
    String code = files(generate("test/clock.proto")).get("dev/test/clock/ClockTtrpc.java");
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject source = new SimpleJavaFileObject(
        URI.create("string:///dev/test/clock/ClockTtrpc.java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return code;
      }
    };
    boolean ok = compiler.getTask(null, null, diagnostics,
        List.of("-Xlint:all", "-Werror", "-d", out.toString(),
            "-cp", System.getProperty("java.class.path")),
        null, List.of(source)).call();
    assertThat(diagnostics.getDiagnostics()).as("diagnostics").isEmpty();
    assertThat(ok).isTrue();
    assertThat(Files.exists(out.resolve("dev/test/clock/ClockTtrpc$Client.class"))).isTrue();
  }
}
