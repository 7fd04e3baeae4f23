package dev.shim4j.ttrpc;

/**
 * One RPC method: the full proto service name as it travels on the wire
 * ({@code containerd.task.v2.Task}), the bare method name ({@code Create}), its shape and the
 * marshallers of its messages.
 */
public record MethodDescriptor<Req, Resp>(
    String service,
    String method,
    MethodType type,
    Marshaller<Req> requestMarshaller,
    Marshaller<Resp> responseMarshaller) {

  /** The same method served or called under another service name (task v2 and v3 share messages). */
  public MethodDescriptor<Req, Resp> withService(String otherService) {
    return new MethodDescriptor<>(otherService, method, type, requestMarshaller, responseMarshaller);
  }

  public String fullName() {
    return service + "/" + method;
  }
}
