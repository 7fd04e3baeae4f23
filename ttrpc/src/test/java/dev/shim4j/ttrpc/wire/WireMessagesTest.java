package dev.shim4j.ttrpc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import dev.shim4j.ttrpc.Metadata;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class WireMessagesTest {

  @Test
  void requestRoundTripsAllFields() throws Exception {
    Metadata md = Metadata.of("containerd-namespace-ttrpc", "default").with("x", "1").with("x", "2");
    WireRequest r = new WireRequest("s.S", "M", new byte[] {1, 2, 3}, 5_000_000_000L, md);
    WireRequest back = WireRequest.decode(r.encode());
    assertThat(back.service()).isEqualTo("s.S");
    assertThat(back.method()).isEqualTo("M");
    assertThat(back.payload()).containsExactly(1, 2, 3);
    assertThat(back.timeoutNano()).isEqualTo(5_000_000_000L);
    assertThat(back.metadata().getAll("x")).containsExactly("1", "2");
    assertThat(back.metadata().get("containerd-namespace-ttrpc")).contains("default");
  }

  @Test
  void okResponseOmitsTheStatus() throws Exception {
    byte[] bytes = WireResponse.ok(new byte[] {7}).encode();
    assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("120107");
    WireResponse back = WireResponse.decode(bytes);
    assertThat(back.status()).isNull();
    assertThat(back.isOk()).isTrue();
  }

  @Test
  void absentStatusMeansOk() throws Exception {
    assertThat(WireResponse.decode(new byte[0]).isOk()).isTrue();
  }

  @Test
  void errorStatusKeepsCodeMessageAndOpaqueDetails() throws Exception {
    Any detail = Any.newBuilder().setTypeUrl("x.Y").setValue(ByteString.copyFromUtf8("z")).build();
    byte[] details = encodeDetail(detail);
    byte[] bytes = WireResponse.error(5, "no such task", details).encode();

    WireResponse back = WireResponse.decode(bytes);
    assertThat(back.isOk()).isFalse();
    assertThat(back.status().code()).isEqualTo(5);
    assertThat(back.status().message()).isEqualTo("no such task");
    assertThat(back.status().details()).isEqualTo(details);
    assertThat(back.encode()).isEqualTo(bytes);
  }

  @Test
  void undecodableBytesAreRejected() {
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(() -> WireRequest.decode(garbage))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> WireResponse.decode(garbage))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void unknownFieldsAreSkipped() throws Exception {
    byte[] known = new WireRequest("a", "b", StringValue.of("p").toByteArray(), 0, Metadata.EMPTY)
        .encode();
    byte[] withExtra = new byte[known.length + 3];
    System.arraycopy(known, 0, withExtra, 0, known.length);
    withExtra[known.length] = (byte) 0x50; // field 10, varint
    withExtra[known.length + 1] = 1;
    withExtra[known.length + 2] = 0;
    // the last byte is a zero tag: end of message is fine too
    WireRequest r = WireRequest.decode(java.util.Arrays.copyOf(withExtra, known.length + 2));
    assertThat(r.method()).isEqualTo("b");
  }

  private static byte[] encodeDetail(Any detail) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(out);
    cos.writeMessage(3, detail);
    cos.writeMessage(3, detail);
    cos.flush();
    return out.toByteArray();
  }
}
