package io.switchplane.manager.agents;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.protobuf.ProtoUtils;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes the push stream's requests as protobuf's own marshaller does, byte for byte, but through a
 * buffer kept per thread: protobuf's writes a message to gRPC's framer through an encoder with a
 * new buffer of up to 4 KiB per message, and every push sends two (an Apply with the host's whole
 * state, then its Confirm). Encoding into a kept array is also protobuf's quicker path (no flush
 * checks per field). Requests larger than {@link #KEPT_MAX} get an array of their own.
 */
final class PushRequestMarshaller implements Marshaller<PushRequest> {
  /** The largest buffer a thread keeps (a host's state is a few KiB; one of 4,096 ports ~1 MiB). */
  static final int KEPT_MAX = 1 << 20;

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[8192]);

  private static final Marshaller<PushRequest> PROTO =
      ProtoUtils.marshaller(PushRequest.getDefaultInstance());

  /** The push stream's method with this marshaller for its requests. */
  static final MethodDescriptor<PushRequest, PushAnswer> PUSH =
      HostAgentServiceGrpc.getPushMethod().toBuilder()
          .setRequestMarshaller(new PushRequestMarshaller())
          .build();

  @Override
  public InputStream stream(PushRequest value) {
    return new Encoded(value);
  }

  @Override
  public PushRequest parse(InputStream stream) {
    return PROTO.parse(stream); // the manager never reads a request; kept for completeness
  }

  /** One request to frame: its size known, drained into the framer in one write. */
  private static final class Encoded extends InputStream implements KnownLength, Drainable {
    private final PushRequest message;

    /** The bytes, when read as a plain stream instead of drained (not gRPC's framer's way). */
    private ByteArrayInputStream bytes;

    private boolean drained;

    private Encoded(PushRequest message) {
      this.message = message;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (drained || bytes != null) {
        throw new IllegalStateException("push request already read");
      }
      drained = true;
      int size = message.getSerializedSize();
      byte[] buffer = BUFFER.get();
      if (buffer.length < size) {
        buffer = new byte[size];
        if (size <= KEPT_MAX) {
          BUFFER.set(buffer);
        }
      }
      CodedOutputStream out = CodedOutputStream.newInstance(buffer, 0, size);
      message.writeTo(out);
      out.checkNoSpaceLeft();
      target.write(buffer, 0, size);
      return size;
    }

    @Override
    public int available() {
      if (bytes != null) {
        return bytes.available();
      }
      return drained ? 0 : message.getSerializedSize();
    }

    @Override
    public int read() {
      return plain().read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return plain().read(b, off, len);
    }

    private ByteArrayInputStream plain() {
      if (bytes == null) {
        bytes = new ByteArrayInputStream(drained ? new byte[0] : message.toByteArray());
      }
      return bytes;
    }
  }
}
