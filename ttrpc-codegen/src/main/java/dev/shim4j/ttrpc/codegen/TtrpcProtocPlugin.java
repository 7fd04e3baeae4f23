package dev.shim4j.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * protoc-gen-ttrpc: reads a CodeGeneratorRequest on stdin, writes the response on stdout. For
 * every service of the files protoc asks for, it writes {@code <Service>Ttrpc.java} in the
 * file's Java package (see {@link TtrpcJavaWriter} for its shape).
 */
public final class TtrpcProtocPlugin {
  private TtrpcProtocPlugin() {}

  public static void main(String[] args) throws IOException {
    CodeGeneratorRequest request = CodeGeneratorRequest.parseFrom(System.in);
    generate(request).writeTo(System.out);
    System.out.flush();
  }

  /** The response for a request; a problem is reported in the response's error, as protoc expects. */
  public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
    CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
        .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE);
    try {
      JavaTypeNames names = new JavaTypeNames(request.getProtoFileList());
      Set<String> wanted = new HashSet<>(request.getFileToGenerateList());
      for (FileDescriptorProto file : request.getProtoFileList()) {
        if (!wanted.contains(file.getName())) {
          continue;
        }
        for (ServiceModel service : ServiceModel.of(file, names)) {
          response.addFileBuilder()
              .setName(TtrpcJavaWriter.fileName(service))
              .setContent(TtrpcJavaWriter.write(service));
        }
      }
    } catch (RuntimeException e) {
      return CodeGeneratorResponse.newBuilder()
          .setError("protoc-gen-ttrpc: " + e.getMessage())
          .build();
    }
    return response.build();
  }
}
