package io.switchplane.manager.reconcile;

import io.switchplane.manager.agents.AgentChannels;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a {@link HostPusher} (and its {@link ConfirmCall}s) share with the engine and the other
 * pushers.
 */
record PushContext(
    HostDirectory hosts,
    AgentChannels channels,
    PushRecorder recorder,
    PushStages stages,
    PushDispatcher dispatcher,
    ScheduledExecutorService scheduler,
    Duration callDeadline,
    Duration initialBackoff,
    Duration maxBackoff,
    BooleanSupplier active,
    Consumer<HostPusher> tombstoneApplied,
    PushOwners owners) {}
