package dev.shim4j.runcshim;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.api.Anys;
import dev.shim4j.api.runc.options.CheckpointOptions;
import dev.shim4j.ttrpc.TtrpcException;

/**
 * The options of a Checkpoint request, as the runc options type: containerd.runc.v1's
 * CheckpointOptions, which containerd's client sends to a runtime named io.containerd.runc*;
 * containerd.linux.runc.CheckpointOptions, the older type it sends to any other runtime (a shim
 * given by its path, say); or nothing (defaults). Any other type is INVALID_ARGUMENT.
 */
final class CheckpointConfig {
  private CheckpointConfig() {}

  static CheckpointOptions fromAny(Any any) throws InvalidProtocolBufferException {
    if (any == null || any.getTypeUrl().isEmpty()) {
      return CheckpointOptions.getDefaultInstance();
    }
    if (Anys.is(any, CheckpointOptions.class)) {
      return Anys.unpack(any, CheckpointOptions.class);
    }
    if (Anys.is(any, dev.shim4j.api.runc.linux.CheckpointOptions.class)) {
      return fromLinux(Anys.unpack(any, dev.shim4j.api.runc.linux.CheckpointOptions.class));
    }
    throw TtrpcException.invalidArgument("checkpoint options of type " + any.getTypeUrl() + " are not runc's;"
        + " runc4j takes " + Anys.fullName(CheckpointOptions.class) + " or "
        + Anys.fullName(dev.shim4j.api.runc.linux.CheckpointOptions.class));
  }

  /**
   * The older type field by field: the same fields but for the two paths, whose numbers are
   * swapped (work_path 8 and image_path 9 there, image_path 8 and work_path 9 in the runc type),
   * and no parent_path.
   */
  static CheckpointOptions fromLinux(dev.shim4j.api.runc.linux.CheckpointOptions o) {
    return CheckpointOptions.newBuilder()
        .setExit(o.getExit())
        .setOpenTcp(o.getOpenTcp())
        .setExternalUnixSockets(o.getExternalUnixSockets())
        .setTerminal(o.getTerminal())
        .setFileLocks(o.getFileLocks())
        .addAllEmptyNamespaces(o.getEmptyNamespacesList())
        .setCgroupsMode(o.getCgroupsMode())
        .setWorkPath(o.getWorkPath())
        .setImagePath(o.getImagePath())
        .build();
  }
}
