package dev.qvmm.vmm.launch;

import java.util.concurrent.CompletableFuture;

/**
 * Something on the host that serves one VM for as long as it runs: a virtiofsd, the
 * downwardMetrics writer. Started while the VM's artifacts are prepared (before QEMU, which may
 * need its socket), told QEMU's pid once QEMU runs, and closed when the VM ends, also when the
 * start fails. {@link #close()} must leave no process, thread or socket behind and may be called
 * more than once.
 */
public interface Companion extends AutoCloseable {

    /** The volume or filesystem it serves, as the spec names it. */
    String forName();

    /** QEMU is running as {@code pid} (for companions that report on it). */
    default void qemuStarted(long pid) {
    }

    /**
     * Completes, with why, if the companion stops serving while the VM still runs (a virtiofsd
     * that exited); never completes for one that is closed normally.
     */
    CompletableFuture<String> failure();

    @Override
    void close();
}
