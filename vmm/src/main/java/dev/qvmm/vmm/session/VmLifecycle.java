package dev.qvmm.vmm.session;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The state machine of one VM. Transitions are serialised; a terminal state is final, and every
 * change reaches the listener in order. {@link #terminated()} completes with the terminal event.
 */
final class VmLifecycle {

    private final String vm;
    private final Consumer<VmEvent> listener;
    private final CompletableFuture<VmEvent> terminated = new CompletableFuture<>();
    private VmEvent current;

    VmLifecycle(String vm, Consumer<VmEvent> listener) {
        this.vm = vm;
        this.listener = listener;
        this.current = new VmEvent(Instant.now(), vm, VmState.PENDING, "Created", "");
    }

    synchronized VmEvent current() {
        return current;
    }

    CompletableFuture<VmEvent> terminated() {
        return terminated;
    }

    /** Moves to {@code state} unless already terminal; returns whether it moved. */
    synchronized boolean moveTo(VmState state, String reason, String message) {
        if (current.state().terminal()
                || (current.state() == state && current.reason().equals(reason) && current.message().equals(message))) {
            return false;
        }
        // Once stopping, only the end can follow: a late RESUME must not look like a restart.
        if (current.state() == VmState.STOPPING && !state.terminal()) {
            return false;
        }
        current = new VmEvent(Instant.now(), vm, state, reason, message);
        listener.accept(current);
        if (state.terminal()) {
            terminated.complete(current);
        }
        return true;
    }
}
