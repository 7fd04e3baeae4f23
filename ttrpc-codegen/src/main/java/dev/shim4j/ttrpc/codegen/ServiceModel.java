package dev.shim4j.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.ArrayList;
import java.util.List;

/** What the writer needs to know about one proto service, with Java names already resolved. */
record ServiceModel(
    String sourceFile,
    String fullName,
    String javaPackage,
    String className,
    String doc,
    List<MethodModel> methods) {

  /** The four ttrpc call shapes, named as dev.shim4j.ttrpc.MethodType names them. */
  enum Shape {
    UNARY, SERVER_STREAMING, CLIENT_STREAMING, BIDI_STREAMING;

    static Shape of(MethodDescriptorProto m) {
      if (m.getClientStreaming()) {
        return m.getServerStreaming() ? BIDI_STREAMING : CLIENT_STREAMING;
      }
      return m.getServerStreaming() ? SERVER_STREAMING : UNARY;
    }
  }

  /** One RPC: its wire name, Java request/response class names, shape and comment. */
  record MethodModel(String name, String requestType, String responseType, Shape shape, String doc) {}

  // Field numbers in descriptor.proto, used to find comments in SourceCodeInfo paths.
  private static final int FILE_SERVICE = 6;
  private static final int SERVICE_METHOD = 2;

  /** The models of every service in {@code file}. */
  static List<ServiceModel> of(FileDescriptorProto file, JavaTypeNames names) {
    List<ServiceModel> services = new ArrayList<>();
    String protoPrefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
    for (int s = 0; s < file.getServiceCount(); s++) {
      ServiceDescriptorProto service = file.getService(s);
      List<MethodModel> methods = new ArrayList<>();
      for (int m = 0; m < service.getMethodCount(); m++) {
        MethodDescriptorProto method = service.getMethod(m);
        methods.add(new MethodModel(
            method.getName(),
            names.javaName(method.getInputType()),
            names.javaName(method.getOutputType()),
            Shape.of(method),
            comment(file, FILE_SERVICE, s, SERVICE_METHOD, m)));
      }
      services.add(new ServiceModel(
          file.getName(),
          protoPrefix + service.getName(),
          JavaTypeNames.javaPackage(file),
          service.getName() + "Ttrpc",
          comment(file, FILE_SERVICE, s),
          List.copyOf(methods)));
    }
    return services;
  }

  /** The leading (else trailing) comment at a SourceCodeInfo path; empty when there is none. */
  private static String comment(FileDescriptorProto file, int... path) {
    for (SourceCodeInfo.Location location : file.getSourceCodeInfo().getLocationList()) {
      if (samePath(location.getPathList(), path)) {
        String text = location.hasLeadingComments()
            ? location.getLeadingComments()
            : location.getTrailingComments();
        return unindent(text);
      }
    }
    return "";
  }

  /** protoc keeps the space after "//" on every line; drop it, and blank lines at the ends. */
  private static String unindent(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      out.append(line.startsWith(" ") ? line.substring(1) : line).append('\n');
    }
    return out.toString().strip();
  }

  private static boolean samePath(List<Integer> actual, int[] expected) {
    if (actual.size() != expected.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (actual.get(i) != expected[i]) {
        return false;
      }
    }
    return true;
  }
}
