package dev.shim4j.examples.connect;

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.time.Duration;

/**
 * Talks to a running shim the way containerd would: Connect, then Shutdown. The seed's
 * {@code shim-proto-connect}; prints each step and each answer in protobuf text form.
 *
 * <pre>{@code ShimProtoConnect unix:///run/containerd/s/<hex>}</pre>
 */
public final class ShimProtoConnect {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private ShimProtoConnect() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: shim-proto-connect ADDRESS (e.g. unix:///run/containerd/s/<hex>)");
      System.exit(1);
    }
    String address = args[0];
    System.out.println("Connecting to " + address + "...");
    try (Client client = Client.connect(address)) {
      var task = new TaskTtrpc.Client(client);
      CallOptions options = CallOptions.DEFAULT.withTimeout(CALL_TIMEOUT);

      System.out.println("Sending `Connect` request...");
      ConnectResponse connected = task.connect(ConnectRequest.getDefaultInstance(), options);
      System.out.println("Connect response: version: \"" + connected.getVersion() + "\"");

      System.out.println("Sending `Shutdown` request...");
      var empty = task.shutdown(ShutdownRequest.getDefaultInstance(), options);
      System.out.println("Shutdown response: \"" + empty.toString().strip() + "\"");
    } catch (Exception e) {
      System.err.println("shim-proto-connect: " + e);
      System.exit(1);
    }
  }
}
