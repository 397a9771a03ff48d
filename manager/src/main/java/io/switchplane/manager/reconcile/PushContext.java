package io.switchplane.manager.reconcile;

import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.events.EventLog;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** What a {@link HostPusher} shares with its engine and the other pushers. */
record PushContext(
    HostDirectory hosts,
    AgentChannels channels,
    HostStatusBook book,
    PushDispatcher dispatcher,
    ScheduledExecutorService scheduler,
    Duration callDeadline,
    Duration initialBackoff,
    Duration maxBackoff,
    BooleanSupplier active,
    Consumer<HostPusher> tombstoneApplied,
    EventLog events,
    PushMetrics metrics) {}
