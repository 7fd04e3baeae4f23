package dev.shim4j.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The bundle's {@code address} file: the daemon's plain address, which containerd 1.6/1.7 read
 * to reconnect after a restart. Written through a temporary file and a rename so that a reader
 * never sees half an address.
 */
public final class AddressFile {
  public static final String NAME = "address";

  private AddressFile() {}

  public static void write(Path bundle, String address) throws IOException {
    Path target = bundle.resolve(NAME);
    Path temp = Files.createTempFile(bundle, ".address", ".tmp");
    try {
      Files.writeString(temp, address, StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  public static Optional<String> read(Path bundle) throws IOException {
    try {
      String text = Files.readString(bundle.resolve(NAME), StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(text);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }
}
