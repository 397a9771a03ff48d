package io.switchplane.cli.run;

import java.util.concurrent.CountDownLatch;

/** Keeps a foreground server process alive until it is told to stop (Ctrl-C or SIGTERM). */
final class Daemons {
  private Daemons() {}

  /** Blocks until the JVM shuts down, closing the given parts (in order) on the way out. */
  static void runUntilStopped(AutoCloseable... parts) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (AutoCloseable part : parts) {
                    try {
                      part.close();
                    } catch (Exception e) {
                      System.err.println("error while stopping " + part + ": " + e);
                    }
                  }
                  stopped.countDown();
                },
                "switchplane-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
