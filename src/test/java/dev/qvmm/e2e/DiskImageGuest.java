package dev.qvmm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The bootable test disk image ({@code scripts/build-test-guest --disk-image}, built once and
 * cached outside the checkout): a 3 GiB GPT qcow2 (280 MB compressed) with a BIOS boot partition, an EFI system
 * partition (shim and Debian's signed GRUB) and a Debian root file system labelled {@code root},
 * which boots through SeaBIOS and through OVMF with or without secure boot. Once up it reports
 * {@code QVMM firmware|smbios|root ...} lines on ttyS0 (scripts/lib/guest/disk-report) and powers off.
 */
final class DiskImageGuest {

    /** A boot under TCG took 42-130 s here from qvmm run to power-off (OVMF adds 20-30 s), with other builds running. */
    static final long BOOT_DEADLINE_SECONDS = 300;
    /** mmdebstrap + mkfs + qemu-img convert took 3.2-6.5 min on two shared cores. */
    static final long BUILD_DEADLINE_MINUTES = 25;
    /** The image's virtual size. */
    static final long VIRTUAL_BYTES = 3L << 30;

    private DiskImageGuest() {
    }

    /** The qcow2, built now if its cache entry is missing. */
    static Path build() throws IOException, InterruptedException {
        Path log = Files.createTempFile("build-disk-guest", ".log");
        Path out = Files.createTempFile("build-disk-guest", ".out");
        try {
            Process p = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/build-test-guest").toString(), "--disk-image")
                    .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
            if (!p.waitFor(BUILD_DEADLINE_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("scripts/build-test-guest --disk-image did not finish within " + BUILD_DEADLINE_MINUTES
                        + " min:\n" + Files.readString(log));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("scripts/build-test-guest --disk-image failed:\n" + Files.readString(log));
            }
            return Path.of(Files.readString(out).strip().lines().reduce((a, b) -> b).orElseThrow()).resolve("disk/disk.qcow2");
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(out);
        }
    }
}
