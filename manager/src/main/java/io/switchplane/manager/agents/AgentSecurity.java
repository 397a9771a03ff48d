package io.switchplane.manager.agents;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;

/**
 * How the manager dials an agent endpoint: plaintext or mutual TLS with the credentials that check
 * that endpoint's host. {@link AgentChannels} asks {@link #kind} on every use (it must be cheap)
 * and builds the channel again when the answer changes (a host enrolled).
 */
public interface AgentSecurity {
  /** A label for how endpoint is dialed now, e.g. "plaintext" or "tls". */
  String kind(String endpoint);

  /** The credentials for a new channel to endpoint of that kind. */
  ChannelCredentials credentials(String endpoint, String kind);

  /** Plaintext everywhere: for tests of parts that do not care about TLS. */
  static AgentSecurity plaintext() {
    return new AgentSecurity() {
      @Override
      public String kind(String endpoint) {
        return "plaintext";
      }

      @Override
      public ChannelCredentials credentials(String endpoint, String kind) {
        return InsecureChannelCredentials.create();
      }
    };
  }
}
