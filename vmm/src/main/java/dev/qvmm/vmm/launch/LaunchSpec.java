package dev.qvmm.vmm.launch;

import java.time.Duration;
import java.util.List;

/**
 * Everything needed to start one QEMU: the VM's name, the planned argv (binary first, as
 * {@code ArgvRenderer} makes it), whether QEMU must die with this process ({@code qvmm run}:
 * yes; the daemon: no, guests outlive its restarts), and how long QEMU may take to bring up its
 * monitor.
 */
public record LaunchSpec(String vmName, List<String> qemuArgv, boolean dieWithParent, Duration startTimeout) {

    public LaunchSpec {
        qemuArgv = List.copyOf(qemuArgv);
        if (qemuArgv.isEmpty()) {
            throw new IllegalArgumentException("the QEMU argv is empty");
        }
    }
}
