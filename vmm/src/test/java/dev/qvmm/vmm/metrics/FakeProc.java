package dev.qvmm.vmm.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A /proc with the files {@link MetricsCollector} reads, in the kernel's own format. */
final class FakeProc {

    private FakeProc() {
    }

    static Path create(Path dir, long qemuPid) throws IOException {
        Files.createDirectories(dir.resolve("sys/kernel"));
        Files.writeString(dir.resolve("sys/kernel/hostname"), "node01\n");
        Files.writeString(dir.resolve("stat"), """
                cpu  1000 50 300 90000 20 7 3 0 0 0
                cpu0 500 25 150 45000 10 4 2 0 0 0
                cpu1 500 25 150 45000 10 3 1 0 0 0
                intr 12345
                ctxt 999
                """);
        Files.writeString(dir.resolve("meminfo"), """
                MemTotal:       24000000 kB
                MemFree:        20000000 kB
                MemAvailable:   22000000 kB
                SwapTotal:       1000000 kB
                SwapFree:         900000 kB
                """);
        Files.writeString(dir.resolve("vmstat"), "nr_free_pages 5000000\npgpgin 4096\npgpgout 8192\n");
        Files.createDirectories(dir.resolve(String.valueOf(qemuPid)));
        // comm with a space and a parenthesis, as QEMU's thread names can have: fields count from the last ')'.
        Files.writeString(dir.resolve(qemuPid + "/stat"),
                qemuPid + " (qemu-system (x86)) S 1 2 3 0 -1 4194560 100 0 0 0 250 125 0 0 20 0 5 0 100 0 0\n");
        return dir;
    }
}
