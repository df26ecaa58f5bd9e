package dev.qvmm.vmm.daemon;

import dev.qvmm.qmp.QmpException;
import dev.qvmm.vmm.VmmException;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for a QMP command on a VM's operation thread, QEMU's refusal as a {@link VmmException}. */
final class QmpCalls {

    private QmpCalls() {
    }

    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof QmpException q) {
                throw new VmmException(VmmException.Kind.QEMU_COMMAND_FAILED, "qmp", q.getMessage(), List.of(), q);
            }
            throw e;
        }
    }
}
