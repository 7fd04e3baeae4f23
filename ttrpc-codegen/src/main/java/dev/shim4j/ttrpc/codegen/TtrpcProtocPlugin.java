package dev.shim4j.ttrpc.codegen;

import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;

/** protoc-gen-ttrpc: reads a CodeGeneratorRequest on stdin, writes the response on stdout. */
public final class TtrpcProtocPlugin {
  public static void main(String[] args) throws IOException {
    CodeGeneratorRequest request = CodeGeneratorRequest.parseFrom(System.in);
    CodeGeneratorResponse.newBuilder()
        .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE)
        .build()
        .writeTo(System.out);
  }
}
