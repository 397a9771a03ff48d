package io.switchplane.manager.reconcile;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.function.Consumer;

/** Completion of the pushers' asynchronous agent calls. */
final class AgentCalls {
  private AgentCalls() {}

  /**
   * Runs ok or failed directly on the thread that completes f (a gRPC thread), so both must stay
   * quick.
   */
  static <T> void on(ListenableFuture<T> f, Consumer<T> ok, Consumer<Throwable> failed) {
    Futures.addCallback(
        f,
        new FutureCallback<>() {
          @Override
          public void onSuccess(T result) {
            ok.accept(result);
          }

          @Override
          public void onFailure(Throwable t) {
            failed.accept(t);
          }
        },
        MoreExecutors.directExecutor());
  }
}
