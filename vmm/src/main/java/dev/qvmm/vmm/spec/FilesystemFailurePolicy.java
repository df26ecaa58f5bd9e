package dev.qvmm.vmm.spec;

import java.util.Locale;
import java.util.Optional;

/**
 * What happens to a running VM when the virtiofsd behind one of its filesystems exits: set per
 * VM with the annotation {@value #ANNOTATION} in the metadata of the VirtualMachineInstance (or of
 * the VirtualMachine). KubeVirt has no such field; its virtiofs container dying takes the
 * virt-launcher pod down, which is {@link #STOP}.
 */
public enum FilesystemFailurePolicy {
    /** Stop the VM (powerdown, grace period, quit, kill); it ends Failed. The default: fail fast. */
    STOP,
    /** Keep the VM running without the filesystem; its mount returns errors in the guest. */
    CONTINUE;

    public static final String ANNOTATION = "qvmm.dev/filesystem-failure";

    /** {@code stop} or {@code continue}, case-insensitive. */
    public static Optional<FilesystemFailurePolicy> parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "stop" -> Optional.of(STOP);
            case "continue" -> Optional.of(CONTINUE);
            default -> Optional.empty();
        };
    }
}
