package dev.shim4j.shim.event;

import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Reaper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The pre-ttrpc path: {@code <publish-binary> --address A publish --topic T --namespace NS} with
 * the marshalled event Any on stdin, spawned through the shim's reaper (the one owner of
 * children: its waitpid(-1) would steal a ProcessBuilder child's exit status).
 */
final class BinaryTransport implements Transport {
  private final String binary;
  private final String containerdAddress;
  private final Duration timeout;

  BinaryTransport(String binary, String containerdAddress, Duration timeout) {
    this.binary = binary;
    this.containerdAddress = containerdAddress;
    this.timeout = timeout;
  }

  /** The command line for one event, for logs and tests. */
  List<String> argv(Envelope envelope) {
    return List.of(binary, "--address", containerdAddress, "publish", "--topic", envelope.getTopic(),
        "--namespace", envelope.getNamespace());
  }

  @Override
  public void send(Envelope envelope) throws Exception {
    CommandResult result = Reaper.get().run(Command.of(argv(envelope)), envelope.getEvent().toByteArray(), timeout);
    if (!result.succeeded()) {
      throw new IOException(binary + " publish " + envelope.getTopic() + " exited with status "
          + result.status() + ": " + result.stderrText().strip());
    }
  }

  @Override
  public void close() {}
}
