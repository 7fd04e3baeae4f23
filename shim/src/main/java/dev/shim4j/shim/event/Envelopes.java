package dev.shim4j.shim.event;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.Anys;
import dev.shim4j.api.services.events.v1.Envelope;
import java.time.Instant;

/** Builds what containerd 1.6+ accepts: a timestamp, a '/' topic, a bare type_url. */
final class Envelopes {
  private Envelopes() {}

  static Envelope of(Instant now, String namespace, String topic, Message event) {
    checkTopic(topic);
    return Envelope.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setNamespace(namespace)
        .setTopic(topic)
        .setEvent(pack(event))
        .build();
  }

  /** containerd 1.6 resolves only bare names ("containerd.events.TaskExit"), not type.googleapis.com/. */
  static Any pack(Message event) {
    return event instanceof Any already ? already : Anys.pack(event);
  }

  static void checkTopic(String topic) {
    if (topic == null || !topic.startsWith("/") || topic.length() < 2) {
      throw new IllegalArgumentException("event topic must start with '/', got " + topic);
    }
  }
}
