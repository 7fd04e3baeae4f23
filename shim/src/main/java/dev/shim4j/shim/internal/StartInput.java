package dev.shim4j.shim.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.bootstrap.v1.Extension;
import java.util.Optional;

/**
 * What containerd writes to {@code start}'s stdin. Since 2.3 that is a {@code BootstrapParams};
 * before, the runtime options as a bare {@code google.protobuf.Any} (or nothing). The two are told
 * apart by trying BootstrapParams first and accepting it only when it names this very instance
 * (instance_id and namespace equal to the flags): an Any's bytes rarely parse as a
 * BootstrapParams, and never with both fields matching.
 *
 * @param params the BootstrapParams, when containerd sent one
 * @param options the runtime options, when any
 */
record StartInput(Optional<BootstrapParams> params, Optional<Any> options) {

  static final StartInput NONE = new StartInput(Optional.empty(), Optional.empty());

  static StartInput parse(byte[] stdin, String id, String namespace) throws InvalidProtocolBufferException {
    if (stdin.length == 0) {
      return NONE;
    }
    try {
      BootstrapParams params = BootstrapParams.parseFrom(stdin);
      if (params.getInstanceId().equals(id) && params.getNamespace().equals(namespace)) {
        Optional<Any> options = params.getExtensionsList().stream()
            .filter(Extension::hasValue)
            .map(Extension::getValue)
            .findFirst();
        return new StartInput(Optional.of(params), options);
      }
    } catch (InvalidProtocolBufferException notBootstrap) {
      // fall through to the legacy form
    }
    Any any = Any.parseFrom(stdin);
    return new StartInput(Optional.empty(), any.getTypeUrl().isEmpty() ? Optional.empty() : Optional.of(any));
  }
}
