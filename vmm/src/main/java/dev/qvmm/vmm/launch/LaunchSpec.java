package dev.qvmm.vmm.launch;

import java.time.Duration;
import java.util.List;

/**
 * Everything needed to start one QEMU: the VM's name, the planned argv (binary first, as
 * {@code ArgvRenderer} makes it), whether QEMU must die with this process ({@code qvmm run}:
 * yes; the daemon: no, guests outlive its restarts), and how long QEMU may take to bring up its
 * monitor, and the user QEMU drops to once it has opened what the plan names ({@code runAs}; files
 * it must open later are handed to it as descriptors).
 */
public record LaunchSpec(String vmName, List<String> qemuArgv, boolean dieWithParent, Duration startTimeout,
                         java.util.Optional<String> runAs) {

    /** QEMU as the caller's own user. */
    public LaunchSpec(String vmName, List<String> qemuArgv, boolean dieWithParent, Duration startTimeout) {
        this(vmName, qemuArgv, dieWithParent, startTimeout, java.util.Optional.empty());
    }

    public LaunchSpec {
        qemuArgv = List.copyOf(qemuArgv);
        if (qemuArgv.isEmpty()) {
            throw new IllegalArgumentException("the QEMU argv is empty");
        }
    }
}
