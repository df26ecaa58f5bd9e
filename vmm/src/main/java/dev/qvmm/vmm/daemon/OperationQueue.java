package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.session.VmEvent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The operations of one VM, run one at a time on the VM's own thread in the order they were
 * asked. Once the VM is {@linkplain #deleted() deleted}, racing callers lose with VM_NOT_FOUND: an
 * operation queued before the deletion finds the VM gone when its turn comes, and one asked for
 * after it meets the shut-down queue.
 */
final class OperationQueue {

    private final String vm;
    private final ExecutorService thread;
    private volatile boolean deleted;

    OperationQueue(String vm) {
        this.vm = vm;
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon(true).name("vm-" + vm).unstarted(r));
    }

    CompletableFuture<VmEvent> submit(Supplier<VmEvent> op) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                if (deleted) {
                    throw gone();
                }
                return op.get();
            }, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(deleted ? gone()
                    : new VmmException(VmmException.Kind.VM_STATE_CONFLICT, vm, "the daemon is shutting down; VM \"" + vm + "\" takes no more operations"));
        }
    }

    /** The VM's thread, for work that must not overlap its operations (a restart that is due). */
    Executor thread() {
        return thread;
    }

    /** Called by the deleting operation itself: it finishes, nothing queued after it runs. */
    void deleted() {
        deleted = true;
        thread.shutdown();
    }

    /** The daemon is going away: what is queued is dropped, nothing new is taken. */
    void close() {
        thread.shutdownNow();
    }

    private VmmException gone() {
        return new VmmException(VmmException.Kind.VM_NOT_FOUND, vm, "VM \"" + vm + "\" was deleted");
    }
}
