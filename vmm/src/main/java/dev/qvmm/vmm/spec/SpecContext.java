package dev.qvmm.vmm.spec;

/**
 * Host settings that change what is admissible: whether persistent reservation (qemu-pr-helper) is
 * enabled, as KubeVirt's PersistentReservation feature gate.
 */
public record SpecContext(boolean persistentReservation) {

    public static SpecContext defaults() {
        return new SpecContext(false);
    }
}
