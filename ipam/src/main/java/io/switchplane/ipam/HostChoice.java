package io.switchplane.ipam;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where a new VM on a subnet should run: among the hosts that carry one of the subnet's L2 networks
 * (members of the network's DVS), the one with the fewest ports on that DVS; ties go to the default
 * network, then by host name, so that the answer is the same on every manager.
 */
public final class HostChoice {
  /**
   * A host that carries a network.
   *
   * @param defaultNetwork whether network is the subnet's default one
   */
  public record Candidate(
      String hostId,
      String hostName,
      int ports,
      String dvsId,
      String portGroupId,
      boolean defaultNetwork) {}

  private static final Comparator<Candidate> ORDER =
      Comparator.comparingInt(Candidate::ports)
          .thenComparing(c -> !c.defaultNetwork())
          .thenComparing(Candidate::hostName)
          .thenComparing(Candidate::hostId)
          .thenComparing(Candidate::portGroupId);

  private HostChoice() {}

  public static Optional<Candidate> choose(List<Candidate> candidates) {
    return candidates.stream().min(ORDER);
  }
}
