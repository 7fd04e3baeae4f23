package dev.shim4j.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps fully-qualified proto type names ({@code .containerd.task.v2.StateRequest}) to the Java
 * class names protoc's Java generator gives them, following its rules: java_package (else the
 * proto package), java_multiple_files, java_outer_classname (else the file name in CamelCase,
 * with "OuterClass" appended when that collides with a type of the file), nesting.
 */
final class JavaTypeNames {
  private final Map<String, String> javaNameByProtoName = new HashMap<>();

  /** Indexes every type of every file protoc handed over (the targets and all their imports). */
  JavaTypeNames(List<FileDescriptorProto> files) {
    for (FileDescriptorProto file : files) {
      index(file);
    }
  }

  /** The Java class name of a message type, given its proto name with or without a leading dot. */
  String javaName(String protoTypeName) {
    String key = protoTypeName.startsWith(".") ? protoTypeName.substring(1) : protoTypeName;
    String name = javaNameByProtoName.get(key);
    if (name == null) {
      throw new IllegalArgumentException("unknown message type " + protoTypeName);
    }
    return name;
  }

  static String javaPackage(FileDescriptorProto file) {
    return file.getOptions().hasJavaPackage()
        ? file.getOptions().getJavaPackage()
        : file.getPackage();
  }

  /** The outer class protoc generates for a file (it exists even with java_multiple_files). */
  static String outerClassName(FileDescriptorProto file) {
    if (file.getOptions().hasJavaOuterClassname()) {
      return file.getOptions().getJavaOuterClassname();
    }
    String base = file.getName().substring(file.getName().lastIndexOf('/') + 1);
    if (base.endsWith(".proto")) {
      base = base.substring(0, base.length() - ".proto".length());
    }
    String camel = camelCase(base);
    return topLevelNames(file).contains(camel) ? camel + "OuterClass" : camel;
  }

  private void index(FileDescriptorProto file) {
    String protoPrefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
    String javaPackage = javaPackage(file);
    String javaPrefix = javaPackage.isEmpty() ? "" : javaPackage + ".";
    if (!file.getOptions().getJavaMultipleFiles()) {
      javaPrefix += outerClassName(file) + ".";
    }
    for (DescriptorProto message : file.getMessageTypeList()) {
      indexMessage(message, protoPrefix, javaPrefix);
    }
  }

  private void indexMessage(DescriptorProto message, String protoPrefix, String javaPrefix) {
    String protoName = protoPrefix + message.getName();
    String javaName = javaPrefix + message.getName();
    javaNameByProtoName.put(protoName, javaName);
    for (DescriptorProto nested : message.getNestedTypeList()) {
      indexMessage(nested, protoName + ".", javaName + ".");
    }
  }

  private static Set<String> topLevelNames(FileDescriptorProto file) {
    Set<String> names = new HashSet<>();
    file.getMessageTypeList().stream().map(DescriptorProto::getName).forEach(names::add);
    file.getEnumTypeList().stream().map(EnumDescriptorProto::getName).forEach(names::add);
    file.getServiceList().stream().map(ServiceDescriptorProto::getName).forEach(names::add);
    return names;
  }

  /** protoc's file-name-to-class rule: drop non-alphanumerics, upper-case what follows them. */
  static String camelCase(String name) {
    StringBuilder out = new StringBuilder();
    boolean upper = true;
    for (char c : name.toCharArray()) {
      if (Character.isLetterOrDigit(c)) {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = Character.isDigit(c);
      } else {
        upper = true;
      }
    }
    return out.toString();
  }
}
