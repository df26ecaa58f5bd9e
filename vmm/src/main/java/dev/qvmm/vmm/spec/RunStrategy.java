package dev.qvmm.vmm.spec;

import java.util.Arrays;
import java.util.Optional;

/**
 * KubeVirt's {@code spec.runStrategy} of a VirtualMachine ({@code spec.running: true} is Always,
 * {@code false} Halted): whether the VM is started when it is created, and whether a run that
 * ended without a stop being asked for is started again. {@code WaitAsReceiver} (the target of a
 * migration) has no meaning without migrations and is refused when the spec is read.
 */
public enum RunStrategy {
    /** Started, and started again whenever it ends (the guest powered off or QEMU failed). */
    ALWAYS("Always"),
    /** Started, and started again only when it failed; a guest that powered off stays off. */
    RERUN_ON_FAILURE("RerunOnFailure"),
    /** Started once, never again. */
    ONCE("Once"),
    /** Not started on creation; started and stopped only when asked. */
    MANUAL("Manual"),
    /** Stays stopped until started. */
    HALTED("Halted");

    private final String value;

    RunStrategy(String value) {
        this.value = value;
    }

    /** The value as the spec spells it, e.g. {@code RerunOnFailure}. */
    public String value() {
        return value;
    }

    public static Optional<RunStrategy> parse(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }

    public boolean startsOnCreate() {
        return this == ALWAYS || this == RERUN_ON_FAILURE || this == ONCE;
    }

    /** Whether a run that ended by itself ({@code failed}: QEMU failed or died) is started again. */
    public boolean restartsAfter(boolean failed) {
        return this == ALWAYS || (this == RERUN_ON_FAILURE && failed);
    }
}
