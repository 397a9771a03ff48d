package io.switchplane.it.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Seeded random requests for one method: valid-looking ones built from the request's field
 * descriptors (names and numbers biased towards the seeded configuration, so that they reach real
 * paths), and mutations of them: flipped bytes, truncation, unknown fields, a huge repeated field,
 * hostile strings (20,000 characters, non-ASCII, NUL, "/") in every string field, strings that are
 * not UTF-8, and out-of-range numbers (uint64 from 2^63 on).
 */
public final class RequestGenerator {
  /** Strings no identifier should accept; each must be refused with a short message. */
  static final List<String> HOSTILE =
      List.of(
          "",
          "x".repeat(20_000),
          "ünïcødé-ß",
          "日本語",
          "a\0b",
          "/",
          "a/b",
          "..",
          ".",
          "/switchplane",
          "\uD83D\uDE00",
          " sw ",
          "sw\n",
          "%s%n",
          "' OR 1=1",
          "\u202Eevil",
          "-".repeat(81));

  private static final long[] NUMBERS = {
    0,
    1,
    -1,
    2,
    7,
    100,
    1500,
    4094,
    4095,
    9000,
    65_536,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    0xFFFF_FFFFL,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    -2,
    1L << 32
  };
  private static final int MAX_DEPTH = 4;

  private final Random random;

  /**
   * Field-name fragment → values for fields whose name contains it (the seeded names, ids,
   * generations).
   */
  private final Function<String, List<Object>> hints;

  private int fresh;

  public RequestGenerator(long seed, Function<String, List<Object>> hints) {
    this.random = new Random(seed);
    this.hints = hints;
  }

  /** One case for a request of type; template, when not null, is a real request to start from. */
  public FuzzCase next(Descriptor type, Message template) {
    Message base = template != null && random.nextBoolean() ? template : valid(type, 0);
    int kind = random.nextInt(12);
    return switch (kind) {
      case 0, 1, 2 -> new FuzzCase("valid-looking", base.toByteArray());
      case 3 -> flipped(base.toByteArray());
      case 4 -> truncated(base.toByteArray());
      case 5 -> new FuzzCase("unknown fields", withUnknownFields(base));
      case 6 -> hugeRepeated(base);
      case 7 -> {
        String s = HOSTILE.get(random.nextInt(HOSTILE.size()));
        yield new FuzzCase(
            "every string " + describe(s),
            everyString(base.toBuilder(), s, 0).build().toByteArray());
      }
      case 8 -> new FuzzCase("not UTF-8", notUtf8(base));
      case 9 -> {
        long n =
            random.nextBoolean()
                ? Long.MIN_VALUE + random.nextInt(3)
                : NUMBERS[random.nextInt(NUMBERS.length)];
        yield new FuzzCase(
            "every number " + Long.toUnsignedString(n),
            everyNumber(base.toBuilder(), n, 0).build().toByteArray());
      }
      case 10 -> new FuzzCase("random bytes", randomBytes(random.nextInt(64)));
      default -> new FuzzCase("empty", new byte[0]);
    };
  }

  /**
   * A message of type whose fields are set at random, from the hints where a field name matches.
   */
  Message valid(Descriptor type, int depth) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (random.nextInt(10) < (depth == 0 ? 7 : 4)) {
        if (f.isRepeated()) {
          int n = random.nextInt(3);
          for (int i = 0; i < n; i++) {
            Object v = value(f, depth);
            if (v != null) {
              b.addRepeatedField(f, v);
            }
          }
        } else {
          Object v = value(f, depth);
          if (v != null) {
            b.setField(f, v);
          }
        }
      }
    }
    return b.build();
  }

  private Object value(FieldDescriptor f, int depth) {
    List<Object> hinted = hints.apply(f.getName());
    return switch (f.getJavaType()) {
      case STRING ->
          pick(hinted, String.class) != null && random.nextInt(4) != 0
              ? pick(hinted, String.class)
              : random.nextInt(3) == 0
                  ? HOSTILE.get(random.nextInt(HOSTILE.size()))
                  : "fz" + (fresh++);
      case LONG, INT -> {
        Long h = pick(hinted, Long.class);
        long n =
            h != null && random.nextBoolean()
                ? h
                : random.nextBoolean()
                    ? NUMBERS[random.nextInt(NUMBERS.length)]
                    : random.nextInt(5000);
        if (f.getJavaType() == FieldDescriptor.JavaType.INT) {
          yield Integer.valueOf((int) n); // no ?: here: it would widen the Integer back to a long
        }
        yield Long.valueOf(n);
      }
      case BOOLEAN -> random.nextBoolean();
      case FLOAT -> (float) random.nextGaussian();
      case DOUBLE -> random.nextGaussian();
      case BYTE_STRING ->
          ByteString.copyFrom(randomBytes(random.nextInt(4) == 0 ? 70_000 : random.nextInt(40)));
      case ENUM -> enumValue(f.getEnumType());
      case MESSAGE -> depth >= MAX_DEPTH ? null : valid(f.getMessageType(), depth + 1);
    };
  }

  private Object enumValue(EnumDescriptor e) {
    if (random.nextInt(8) == 0) {
      return e.findValueByNumberCreatingIfUnknown(
          1000 + random.nextInt(1000)); // open enums take any number
    }
    return e.getValues().get(random.nextInt(e.getValues().size()));
  }

  private <T> T pick(List<Object> values, Class<T> type) {
    List<Object> of = values.stream().filter(type::isInstance).toList();
    return of.isEmpty() ? null : type.cast(of.get(random.nextInt(of.size())));
  }

  private FuzzCase flipped(byte[] bytes) {
    if (bytes.length == 0) {
      return new FuzzCase("flipped (of nothing: random bytes)", randomBytes(8));
    }
    byte[] out = bytes.clone();
    int flips = 1 + random.nextInt(8);
    for (int i = 0; i < flips; i++) {
      out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return new FuzzCase("flipped " + flips + " bits", out);
  }

  private FuzzCase truncated(byte[] bytes) {
    int at = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
    return new FuzzCase("truncated at " + at + " of " + bytes.length, Arrays.copyOf(bytes, at));
  }

  private byte[] withUnknownFields(Message base) {
    UnknownFieldSet.Builder unknown = UnknownFieldSet.newBuilder();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      int number = 1000 + random.nextInt(100_000);
      UnknownFieldSet.Field.Builder f = UnknownFieldSet.Field.newBuilder();
      switch (random.nextInt(4)) {
        case 0 -> f.addVarint(random.nextLong());
        case 1 -> f.addFixed32(random.nextInt());
        case 2 -> f.addFixed64(random.nextLong());
        default -> f.addLengthDelimited(ByteString.copyFrom(randomBytes(random.nextInt(100))));
      }
      unknown.addField(number, f.build());
    }
    return base.toBuilder().setUnknownFields(unknown.build()).build().toByteArray();
  }

  /**
   * The first repeated field of the request (a top-level one) with 20,000-60,000 copies of one
   * element.
   */
  private FuzzCase hugeRepeated(Message base) {
    Descriptor type = base.getDescriptorForType();
    List<FieldDescriptor> repeated =
        type.getFields().stream().filter(FieldDescriptor::isRepeated).toList();
    if (repeated.isEmpty()) {
      return new FuzzCase(
          "huge unknown field", withField(base.toByteArray(), 9999, randomBytes(1_000_000)));
    }
    FieldDescriptor f = repeated.get(random.nextInt(repeated.size()));
    Object element = value(f, MAX_DEPTH - 1);
    if (element == null) {
      element = DynamicMessage.getDefaultInstance(f.getMessageType());
    }
    int copies = 20_000 + random.nextInt(40_000);
    Message.Builder b = base.toBuilder();
    for (int i = 0; i < copies; i++) {
      b.addRepeatedField(f, element);
    }
    return new FuzzCase("huge repeated " + f.getName() + " x" + copies, b.build().toByteArray());
  }

  private Message.Builder everyString(Message.Builder b, String s, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.STRING) {
        if (f.isRepeated()) {
          b.addRepeatedField(f, s);
        } else {
          b.setField(f, s);
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !f.isRepeated()
          && depth < MAX_DEPTH
          && (b.hasField(f) || depth == 0)) {
        b.setField(f, everyString(((Message) b.getField(f)).toBuilder(), s, depth + 1).build());
      }
    }
    return b;
  }

  private Message.Builder everyNumber(Message.Builder b, long n, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.isRepeated()) {
        continue;
      }
      switch (f.getJavaType()) {
        case LONG -> b.setField(f, n);
        case INT -> b.setField(f, (int) n);
        case MESSAGE -> {
          if (b.hasField(f) && depth < MAX_DEPTH) {
            b.setField(f, everyNumber(((Message) b.getField(f)).toBuilder(), n, depth + 1).build());
          }
        }
        default -> {}
      }
    }
    return b;
  }

  /**
   * base with one of its top-level string fields (or field 1) written again as bytes that are not
   * UTF-8.
   */
  private byte[] notUtf8(Message base) {
    List<FieldDescriptor> strings =
        base.getDescriptorForType().getFields().stream()
            .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.STRING)
            .toList();
    int number = strings.isEmpty() ? 1 : strings.get(random.nextInt(strings.size())).getNumber();
    byte[] bad = {
      's',
      'w',
      (byte) 0xFF,
      (byte) 0xFE,
      (byte) 0xC0,
      (byte) 0x80,
      (byte) 0xED,
      (byte) 0xA0,
      (byte) 0x80
    };
    return withField(base.toByteArray(), number, bad);
  }

  /**
   * bytes followed by a length-delimited field number holding value (a later field wins in proto3).
   */
  private static byte[] withField(byte[] bytes, int number, byte[] value) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(bytes);
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.writeByteArray(number, value);
      coded.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String describe(String s) {
    if (s.length() > 30) {
      return "'" + s.substring(0, 10) + "...' (" + s.length() + " chars)";
    }
    return "'" + s.replace("\0", "\\0").replace("\n", "\\n") + "'";
  }

  /** Field-name fragments → values, as {@link #hints} wants them. */
  public static Function<String, List<Object>> hintsFrom(Map<String, List<Object>> byFragment) {
    return name ->
        byFragment.entrySet().stream()
            .filter(e -> name.contains(e.getKey()))
            .flatMap(e -> e.getValue().stream())
            .toList();
  }
}
