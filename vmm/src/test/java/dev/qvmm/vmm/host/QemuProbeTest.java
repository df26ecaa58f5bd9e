package dev.qvmm.vmm.host;

import dev.qvmm.vmm.storage.QemuCapabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capability probe asks the real QEMU 7.2 and remembers the answer per binary. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuProbeTest {

    @Test
    void asksTheBinaryOnceAndAnswersFromTheCacheAfterwards(@TempDir Path cache) throws Exception {
        QemuProbe probe = new QemuProbe(cache);
        QemuCapabilities first = probe.capabilities("qemu-system-x86_64");
        assertTrue(first.version().matches("[0-9]+\\.[0-9]+\\.[0-9]+"), first.version());
        assertTrue(first.ioUring(), "Debian's QEMU 7.2 is built with io_uring: its schema lists aio io_uring");

        List<Path> entries;
        try (Stream<Path> s = Files.list(cache)) {
            entries = s.toList();
        }
        assertEquals(1, entries.size(), "one cache entry per binary");
        // The entry is what answers next time: change it and the change shows.
        Files.writeString(entries.getFirst(), "{\"version\":\"9.9.9\",\"ioUring\":false}");
        QemuCapabilities second = probe.capabilities("qemu-system-x86_64");
        assertEquals("9.9.9", second.version());
    }

    @Test
    void aMissingBinaryIsNamed(@TempDir Path cache) {
        IOException e = assertThrows(IOException.class, () -> new QemuProbe(cache).capabilities("/nonexistent/qemu"));
        assertTrue(e.getMessage().contains("/nonexistent/qemu"), e.getMessage());
    }
}
