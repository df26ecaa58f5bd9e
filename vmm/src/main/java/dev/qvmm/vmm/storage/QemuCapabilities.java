package dev.qvmm.vmm.storage;

import java.util.Objects;

/**
 * What the QEMU binary can do, from its version and QAPI schema (probed once per binary elsewhere).
 *
 * @param binary  the executable planned for
 * @param version e.g. "7.2.22", printed in golden headers
 * @param ioUring whether the file/host_device drivers accept aio "io_uring"
 */
public record QemuCapabilities(String binary, String version, boolean ioUring) {

    public QemuCapabilities {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(version, "version");
    }

    /** Debian 12's QEMU, as golden tests plan for. */
    public static QemuCapabilities qemu72() {
        return new QemuCapabilities("qemu-system-x86_64", "7.2.22", true);
    }
}
