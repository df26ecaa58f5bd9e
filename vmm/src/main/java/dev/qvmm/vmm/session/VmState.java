package dev.qvmm.vmm.session;

/**
 * The lifecycle of one VM, KubeVirt's phases plus Paused:
 * {@code Pending -> Starting -> Running <-> Paused -> Stopping -> Succeeded | Failed}.
 * Failed can follow any state (QEMU crashed, could not start).
 */
public enum VmState {
    PENDING,
    STARTING,
    RUNNING,
    PAUSED,
    STOPPING,
    SUCCEEDED,
    FAILED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** The name as KubeVirt writes a phase: {@code Running}, {@code Succeeded}. */
    public String phase() {
        return name().charAt(0) + name().substring(1).toLowerCase();
    }
}
