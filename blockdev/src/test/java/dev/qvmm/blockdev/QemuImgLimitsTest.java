package dev.qvmm.blockdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qemu-img info} runs under prlimit: CDI's limits pass an honest image; a limit hit is its own kind, naming the limits. */
class QemuImgLimitsTest {

    @TempDir
    Path dir;

    @Test
    void anHonestImageIsInspectedUnderCdisLimits() {
        Path img = dir.resolve("a.qcow2");
        QemuImg.onPath().createQcow2(img, 64L << 20);
        QemuImg.Info info = new QemuImg("qemu-img", Duration.ofSeconds(60), QemuImg.InfoLimits.CDI).info(img);
        assertEquals("qcow2", info.format());
        assertEquals(64L << 20, info.virtualSize());
    }

    @Test
    void aRunEndedUnderItsLimitsIsReportedAsSuchNamingTheImageAndTheLimits() {
        Path img = dir.resolve("b.qcow2");
        QemuImg.onPath().createQcow2(img, 64L << 20);
        // 16 MiB of address space: qemu-img cannot even start its threads and aborts.
        QemuImg tiny = new QemuImg("qemu-img", Duration.ofSeconds(60), new QemuImg.InfoLimits(Duration.ofSeconds(30), 16L << 20));
        BlockdevException e = assertThrows(BlockdevException.class, () -> tiny.info(img));
        assertEquals(BlockdevException.Kind.IMAGE_INSPECTION_LIMITED, e.kind());
        assertEquals(img.toString(), e.subject());
        assertTrue(e.getMessage().contains(img.toString()) && e.getMessage().contains("address space 16 MiB")
                && e.getMessage().contains("CPU 30 s"), e.getMessage());
    }

    @Test
    void limitsBelowASecondOrAMebibyteAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new QemuImg.InfoLimits(Duration.ofMillis(10), 1L << 30));
        assertThrows(IllegalArgumentException.class, () -> new QemuImg.InfoLimits(Duration.ofSeconds(1), 4096));
    }
}
