package io.switchplane.agent;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty event loops and a call executor shared by many agents in one JVM (the bench's thousands of
 * lightweight agents would otherwise create thousands of thread pools). Owned by whoever created
 * it: close it after every agent using it is closed.
 */
public final class SharedNetty implements AutoCloseable {
  private final EventLoopGroup boss;
  private final EventLoopGroup worker;
  private final ExecutorService executor;
  private final ScheduledExecutorService timers;

  private SharedNetty(EventLoopGroup boss, EventLoopGroup worker, ExecutorService executor) {
    this.boss = boss;
    this.worker = worker;
    this.executor = executor;
    this.timers = confirmTimers("agent-confirm-timer");
  }

  /** A single daemon thread for confirm deadlines; cancelled timers leave its queue at once. */
  static ScheduledExecutorService confirmTimers(String name) {
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, daemon(name));
    timers.setRemoveOnCancelPolicy(true);
    return timers;
  }

  /**
   * One acceptor thread, workerThreads I/O threads and executorThreads threads running calls; epoll
   * where available, as a standalone agent's gRPC server has by default (NIO costs more CPU per
   * message), else NIO.
   */
  public static SharedNetty create(int workerThreads, int executorThreads) {
    boolean epoll = Epoll.isAvailable();
    return new SharedNetty(
        epoll
            ? new EpollEventLoopGroup(1, daemon("agent-boss"))
            : new NioEventLoopGroup(1, daemon("agent-boss")),
        epoll
            ? new EpollEventLoopGroup(workerThreads, daemon("agent-worker"))
            : new NioEventLoopGroup(workerThreads, daemon("agent-worker")),
        Executors.newFixedThreadPool(executorThreads, daemon("agent-call")));
  }

  /** The server channel type that goes with the event loops. */
  Class<? extends ServerChannel> serverChannelType() {
    return boss instanceof EpollEventLoopGroup
        ? EpollServerSocketChannel.class
        : NioServerSocketChannel.class;
  }

  EventLoopGroup boss() {
    return boss;
  }

  EventLoopGroup worker() {
    return worker;
  }

  ExecutorService executor() {
    return executor;
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  @Override
  public void close() {
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    worker.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    executor.shutdown();
    timers.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
