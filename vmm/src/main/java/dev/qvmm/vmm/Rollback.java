package dev.qvmm.vmm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo steps for multi-step work: each step that changes the host registers how to undo it; if
 * the work does not reach {@link #commit()}, {@link #close()} runs the undo steps in reverse and
 * attaches their failures to the first exception as suppressed ones.
 *
 * <pre>{@code
 * try (Rollback rollback = new Rollback()) {
 *     create(a); rollback.add(() -> delete(a));
 *     create(b); rollback.add(() -> delete(b));
 *     rollback.commit();
 * }
 * }</pre>
 */
public final class Rollback implements AutoCloseable {

    @FunctionalInterface
    public interface Step {
        void undo() throws Exception;
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private boolean committed;

    public void add(Step undo) {
        steps.push(undo);
    }

    public void commit() {
        committed = true;
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        RuntimeException failure = null;
        while (!steps.isEmpty()) {
            try {
                steps.pop().undo();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("rolling back left something behind: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
