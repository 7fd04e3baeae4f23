package dev.shim4j.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;

/** Test methods on protobuf's own wrapper messages, so tests need no generated code. */
final class Echo {
  static final String SERVICE = "test.Echo";

  static final MethodDescriptor<StringValue, StringValue> UNARY = new MethodDescriptor<>(
      SERVICE, "Echo", MethodType.UNARY, Marshaller.of(StringValue.parser()),
      Marshaller.of(StringValue.parser()));
  static final MethodDescriptor<BytesValue, BytesValue> BYTES = new MethodDescriptor<>(
      SERVICE, "Bytes", MethodType.UNARY, Marshaller.of(BytesValue.parser()),
      Marshaller.of(BytesValue.parser()));
  static final MethodDescriptor<StringValue, StringValue> SERVER_STREAM = new MethodDescriptor<>(
      SERVICE, "Split", MethodType.SERVER_STREAMING, Marshaller.of(StringValue.parser()),
      Marshaller.of(StringValue.parser()));
  static final MethodDescriptor<StringValue, StringValue> CLIENT_STREAM = new MethodDescriptor<>(
      SERVICE, "Join", MethodType.CLIENT_STREAMING, Marshaller.of(StringValue.parser()),
      Marshaller.of(StringValue.parser()));
  static final MethodDescriptor<StringValue, StringValue> BIDI = new MethodDescriptor<>(
      SERVICE, "Shout", MethodType.BIDI_STREAMING, Marshaller.of(StringValue.parser()),
      Marshaller.of(StringValue.parser()));

  private Echo() {}

  static StringValue s(String v) {
    return StringValue.of(v);
  }

  static BytesValue bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return BytesValue.of(ByteString.copyFrom(b));
  }

  /** The standard test service: echo, bytes echo, and the three streaming shapes. */
  static ServiceDefinition service() {
    return ServiceDefinition.builder(SERVICE)
        .unary(UNARY, (ctx, req) -> req)
        .unary(BYTES, (ctx, req) -> req)
        .serverStreaming(SERVER_STREAM, (ctx, req, out) -> {
          for (String part : req.getValue().split(",")) {
            out.send(s(part));
          }
        })
        .clientStreaming(CLIENT_STREAM, (ctx, in) -> {
          StringBuilder sb = new StringBuilder();
          for (var m = in.receive(); m.isPresent(); m = in.receive()) {
            sb.append(m.get().getValue());
          }
          return s(sb.toString());
        })
        .bidiStreaming(BIDI, (ctx, in, out) -> {
          for (var m = in.receive(); m.isPresent(); m = in.receive()) {
            out.send(s(m.get().getValue().toUpperCase()));
          }
        })
        .build();
  }
}
