package dev.shim4j.shim.cgroup;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Map;

/**
 * Copies "key value" cgroup tables into protobuf messages whose uint64 fields are named after the
 * keys (containerd's metrics protos are), with a few renames where the names differ.
 */
final class StatFields {
  private StatFields() {}

  static <B extends Message.Builder> B fill(B builder, Map<String, Long> table, Map<String, String> renames) {
    for (Map.Entry<String, Long> e : table.entrySet()) {
      String name = renames.getOrDefault(e.getKey(), e.getKey());
      FieldDescriptor f = builder.getDescriptorForType().findFieldByName(name);
      if (f != null && !f.isRepeated() && f.getType() == FieldDescriptor.Type.UINT64) {
        builder.setField(f, e.getValue());
      }
    }
    return builder;
  }
}
