package io.switchplane.it.fuzz;

import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One unary method a server serves, with the descriptor of its request message, taken from the
 * generated {@code *Grpc.getServiceDescriptor()} so that a new method is fuzzed without a test
 * change.
 */
public record FuzzTarget(String fullMethodName, Descriptors.Descriptor requestType) {

  /**
   * The unary methods of services, minus those named in excluded ("Service/Method", short service
   * name).
   */
  public static List<FuzzTarget> unaryMethods(
      List<ServiceDescriptor> services, Set<String> excluded) {
    List<FuzzTarget> out = new ArrayList<>();
    for (ServiceDescriptor service : services) {
      Descriptors.ServiceDescriptor proto =
          ((ProtoServiceDescriptorSupplier) service.getSchemaDescriptor()).getServiceDescriptor();
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
          continue; // a server stream stays open until cancelled: no single answer to judge
        }
        String shortName = proto.getName() + "/" + method.getBareMethodName();
        if (!excluded.contains(shortName)) {
          out.add(
              new FuzzTarget(
                  method.getFullMethodName(),
                  proto.findMethodByName(method.getBareMethodName()).getInputType()));
        }
      }
    }
    return out;
  }

  /** "Service/Method" without the package. */
  public String shortName() {
    return fullMethodName.substring(fullMethodName.lastIndexOf('.') + 1);
  }
}
