package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.HostConfig;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The host settings every VM of a daemon is planned and launched with; {@code qemuUser}, when
 * set, is the user QEMU drops to after start-up (images it opens later are passed as descriptors).
 */
public record DaemonHost(HostConfig config, Path stateDir, String qemuBinary, Accelerator accelerator, Duration startTimeout,
                         java.util.Optional<String> qemuUser) {
}
