package dev.shim4j.benchmarks;

import com.google.protobuf.BytesValue;
import dev.shim4j.ttrpc.Marshaller;
import dev.shim4j.ttrpc.MethodDescriptor;
import dev.shim4j.ttrpc.MethodType;
import dev.shim4j.ttrpc.ServiceDefinition;

/**
 * The benchmark service {@code bench.Echo}: method {@code Echo} answers its request. Request
 * and response are a message with field 1 bytes, google.protobuf.BytesValue on the wire, the
 * same message the Go echo peer uses.
 */
public final class EchoService {
  public static final String SERVICE = "bench.Echo";
  public static final MethodDescriptor<BytesValue, BytesValue> ECHO = new MethodDescriptor<>(
      SERVICE, "Echo", MethodType.UNARY, Marshaller.of(BytesValue.parser()),
      Marshaller.of(BytesValue.parser()));

  private EchoService() {}

  public static ServiceDefinition definition() {
    return ServiceDefinition.builder(SERVICE).unary(ECHO, (ctx, req) -> req).build();
  }
}
