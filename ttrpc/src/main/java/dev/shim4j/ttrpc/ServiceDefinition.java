package dev.shim4j.ttrpc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A service as a server registers it: its wire name and a handler per method. Generated code
 * builds these ({@code TaskTtrpc.bind(impl)}); hand-written services use the builder directly.
 */
public final class ServiceDefinition {
  /** A method and the handler that serves it; the handler's type matches the method's shape. */
  public record Method<Req, Resp>(MethodDescriptor<Req, Resp> descriptor, Object handler) {}

  private final String name;
  private final Map<String, Method<?, ?>> methods;

  private ServiceDefinition(String name, Map<String, Method<?, ?>> methods) {
    this.name = name;
    this.methods = Map.copyOf(methods);
  }

  public static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  public String name() {
    return name;
  }

  /** The method named {@code method}, or null when the service has none. */
  public Method<?, ?> method(String method) {
    return methods.get(method);
  }

  public Map<String, Method<?, ?>> methods() {
    return methods;
  }

  public static final class Builder {
    private final String name;
    private final Map<String, Method<?, ?>> methods = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name);
    }

    public <Req, Resp> Builder unary(MethodDescriptor<Req, Resp> m, UnaryHandler<Req, Resp> h) {
      return add(m, MethodType.UNARY, h);
    }

    public <Req, Resp> Builder serverStreaming(
        MethodDescriptor<Req, Resp> m, ServerStreamingHandler<Req, Resp> h) {
      return add(m, MethodType.SERVER_STREAMING, h);
    }

    public <Req, Resp> Builder clientStreaming(
        MethodDescriptor<Req, Resp> m, ClientStreamingHandler<Req, Resp> h) {
      return add(m, MethodType.CLIENT_STREAMING, h);
    }

    public <Req, Resp> Builder bidiStreaming(
        MethodDescriptor<Req, Resp> m, BidiStreamingHandler<Req, Resp> h) {
      return add(m, MethodType.BIDI_STREAMING, h);
    }

    private Builder add(MethodDescriptor<?, ?> m, MethodType expected, Object handler) {
      if (m.type() != expected) {
        throw new IllegalArgumentException(m.fullName() + " is " + m.type() + ", not " + expected);
      }
      // Served under this definition's name, whatever the descriptor was generated with.
      MethodDescriptor<?, ?> served = m.service().equals(name) ? m : m.withService(name);
      if (methods.putIfAbsent(m.method(), new Method<>(served, Objects.requireNonNull(handler)))
          != null) {
        throw new IllegalArgumentException("method registered twice: " + m.fullName());
      }
      return this;
    }

    public ServiceDefinition build() {
      return new ServiceDefinition(name, methods);
    }
  }
}
