package dev.shim4j.shim;

import com.google.protobuf.Any;
import dev.shim4j.api.types.RuntimeInfo;
import dev.shim4j.api.types.RuntimeVersion;
import java.util.Optional;

/**
 * What {@link Shim#info} is asked with: containerd 2.x runs the shim binary with {@code -info}
 * (runtime introspection, e.g. for CRI's runtime handlers' features) and reads a
 * {@link RuntimeInfo} from its stdout.
 *
 * @param runtimeId the runtime name the shim runs as, e.g. {@code io.containerd.runc4j.v2}
 * @param options the runtime options containerd wrote on stdin, if any (an {@link Any})
 */
public record InfoOpts(String runtimeId, Optional<Any> options) {

  /**
   * The part of the answer every shim gives: its runtime name, shim4j's version, the options.
   *
   * @return a builder holding that part, for the shim to add its features to
   */
  public RuntimeInfo.Builder basicInfo() {
    String version = Shim.class.getPackage().getImplementationVersion();
    RuntimeInfo.Builder info = RuntimeInfo.newBuilder()
        .setName(runtimeId)
        .setVersion(RuntimeVersion.newBuilder().setVersion(version == null ? "dev" : version));
    options.ifPresent(info::setOptions);
    return info;
  }
}
