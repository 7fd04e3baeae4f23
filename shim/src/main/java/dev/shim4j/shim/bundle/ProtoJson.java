package dev.shim4j.shim.bundle;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flat protobuf messages (scalars and repeated scalars) as JSON objects keyed by the proto field
 * names, zero values omitted: what Go's encoding/json writes for containerd's generated structs,
 * whose json tags are the snake_case proto names with omitempty (e.g. options.json).
 */
public final class ProtoJson {
  private ProtoJson() {}

  public static Map<String, Object> toMap(Message message) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        throw new IllegalArgumentException("nested message field " + f.getName() + " is not supported");
      }
      if (f.isRepeated()) {
        if (message.getRepeatedFieldCount(f) > 0) {
          out.put(f.getName(), ((List<?>) message.getField(f)).stream().map(v -> scalar(f, v)).toList());
        }
      } else if (message.hasField(f) || !isDefault(message, f)) {
        out.put(f.getName(), scalar(f, message.getField(f)));
      }
    }
    return out;
  }

  public static String write(Message message) {
    return Json.write(toMap(message));
  }

  /** Fills {@code builder} from a JSON object; unknown keys are ignored, wrong types rejected. */
  @SuppressWarnings("unchecked")
  public static <B extends Message.Builder> B read(String json, B builder) {
    Map<String, Object> map = Json.parseObject(json);
    for (Map.Entry<String, Object> e : map.entrySet()) {
      FieldDescriptor f = builder.getDescriptorForType().findFieldByName(e.getKey());
      if (f == null || e.getValue() == null) {
        continue;
      }
      if (f.isRepeated()) {
        if (!(e.getValue() instanceof List<?> list)) {
          throw new IllegalArgumentException(e.getKey() + " must be an array");
        }
        for (Object v : list) {
          builder.addRepeatedField(f, fromJson(f, v));
        }
      } else {
        builder.setField(f, fromJson(f, e.getValue()));
      }
    }
    return builder;
  }

  private static boolean isDefault(Message m, FieldDescriptor f) {
    return m.getField(f).equals(f.getDefaultValue());
  }

  private static Object scalar(FieldDescriptor f, Object v) {
    return switch (f.getJavaType()) {
      case INT -> unsigned(f) ? Integer.toUnsignedLong((Integer) v) : v;
      case LONG -> unsigned(f) ? new java.math.BigInteger(Long.toUnsignedString((Long) v)) : v;
      case ENUM -> ((com.google.protobuf.Descriptors.EnumValueDescriptor) v).getNumber();
      case BYTE_STRING -> java.util.Base64.getEncoder().encodeToString(((com.google.protobuf.ByteString) v).toByteArray());
      default -> v;
    };
  }

  private static boolean unsigned(FieldDescriptor f) {
    return switch (f.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }

  private static Object fromJson(FieldDescriptor f, Object v) {
    String name = f.getName();
    return switch (f.getJavaType()) {
      case BOOLEAN -> v instanceof Boolean b ? b : fail(name, "a boolean", v);
      case STRING -> v instanceof String s ? s : fail(name, "a string", v);
      case INT -> (int) integer(name, v, unsigned(f) ? 0 : Integer.MIN_VALUE,
          unsigned(f) ? 0xFFFF_FFFFL : Integer.MAX_VALUE);
      case LONG -> v instanceof Number n && !(v instanceof Double) ? n.longValue() : fail(name, "an integer", v);
      case FLOAT -> v instanceof Number n ? n.floatValue() : fail(name, "a number", v);
      case DOUBLE -> v instanceof Number n ? n.doubleValue() : fail(name, "a number", v);
      case ENUM -> f.getEnumType().findValueByNumber((int) integer(name, v, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case BYTE_STRING -> v instanceof String s
          ? com.google.protobuf.ByteString.copyFrom(java.util.Base64.getDecoder().decode(s))
          : fail(name, "a base64 string", v);
      case MESSAGE -> fail(name, "a scalar (nested messages are not supported)", v);
    };
  }

  private static long integer(String name, Object v, long min, long max) {
    if (!(v instanceof Long l) || l < min || l > max) {
      return fail(name, "an integer in [" + min + ", " + max + "]", v);
    }
    return l;
  }

  private static <T> T fail(String name, String expected, Object v) {
    throw new IllegalArgumentException(name + " must be " + expected + ", got " + Json.write(v));
  }
}
