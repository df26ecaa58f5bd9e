package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmState;
import dev.qvmm.vmm.spec.RunStrategy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Whether and when a VM of the daemon starts again after a run ended: its run strategy (Always:
 * any end; RerunOnFailure: a failure) for an end nobody asked for, after {@link RestartBackoff}'s
 * wait. A start, stop or delete in the meantime cancels a restart that is due.
 */
final class Restarts {

    static final String RESTARTING = "Restarting";

    /** A restart that is due: the event that announces it, and its wait. */
    record Due(VmEvent event, Duration delay, long generation) {
    }

    private volatile Optional<RunStrategy> strategy = Optional.empty();
    private volatile boolean stopAsked;
    /** Counts starts and stops; a restart due in an older generation is cancelled. */
    private final AtomicLong generation = new AtomicLong();
    private final RestartBackoff backoff = new RestartBackoff();

    /** The VM's run strategy as its spec says now (empty for a VirtualMachineInstance). */
    void strategy(Optional<RunStrategy> s) {
        strategy = s;
    }

    /** A run starts. */
    void starting() {
        generation.incrementAndGet();
        stopAsked = false;
        backoff.started();
    }

    /** A stop or delete was asked for: the end it brings is not restarted. */
    void stopping() {
        stopAsked = true;
        generation.incrementAndGet();
    }

    /**
     * The run ended with {@code end}: when its strategy asks for a restart, announces it and runs
     * {@code start} on {@code vmThread} after the wait, unless a start, stop or delete came since.
     */
    void after(VmEvent end, Executor vmThread, Consumer<VmEvent> announce, Runnable start) {
        due(end).ifPresent(due -> {
            announce.accept(due.event());
            try {
                CompletableFuture.runAsync(() -> {
                    if (stands(due)) {
                        start.run();
                    }
                }, CompletableFuture.delayedExecutor(due.delay().toMillis(), TimeUnit.MILLISECONDS, vmThread));
            } catch (RejectedExecutionException e) {
                // the VM was deleted or the daemon is going away
            }
        });
    }

    /** The run ended with {@code end}: the restart its strategy asks for, if any. */
    Optional<Due> due(VmEvent end) {
        RunStrategy rs = strategy.orElse(null);
        if (stopAsked || rs == null || !rs.restartsAfter(end.state() == VmState.FAILED)) {
            return Optional.empty();
        }
        Duration delay = backoff.next();
        return Optional.of(new Due(new VmEvent(Instant.now(), end.vm(), VmState.PENDING, RESTARTING, "runStrategy " + rs.value()
                + ": the run ended (" + end.state().phase() + ", " + end.reason() + "); starting again"
                + (delay.isZero() ? "" : " in " + delay.toSeconds() + " s")), delay, generation.get()));
    }

    /** Whether {@code due} still stands: no start, stop or delete came since. */
    boolean stands(Due due) {
        return generation.get() == due.generation() && !stopAsked;
    }
}
