package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.launch.Companion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Preparing the downwardMetrics disk and port starts their companions; a failed start leaves nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DownwardMetricsArtifactTest {

    static boolean metricsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("downward-metrics-") || t.getName().equals("vhostmd-port"));
    }

    static List<Path> files(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).toList();
        }
    }

    @Test
    void theDiskAndThePortServeUntilTheRunIsRemoved(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("run/vm/downward-metrics/metrics.raw");
        Path socket = dir.resolve("run/vm/downward-metrics/vhostmd.sock");
        ArtifactPreparer.Prepared p = new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(
                new Artifact.DownwardMetricsDisk("metrics", disk, 2, 1L << 30),
                new Artifact.DownwardMetricsPort("downwardMetrics", socket, 2, 1L << 30)));
        assertEquals(List.of("metrics", "downwardMetrics"), p.companions().stream().map(Companion::forName).toList());
        assertEquals(262144, Files.size(disk));
        assertTrue(Files.exists(socket));
        p.companions().forEach(c -> c.qemuStarted(ProcessHandle.current().pid()));
        p.removeEphemeral();
        assertEquals(List.of(), files(dir.resolve("run")));
        assertFalse(metricsThreads(), "the companions' threads end with the run");
    }

    @Test
    void aLaterFailureClosesTheCompanionsAndRemovesTheirFiles(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run/vm");
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(
                new Artifact.DownwardMetricsDisk("metrics", run.resolve("downward-metrics/metrics.raw"), 1, 1L << 20),
                new Artifact.DownwardMetricsPort("downwardMetrics", run.resolve("downward-metrics/vhostmd.sock"), 1, 1L << 20),
                new Artifact.RequireHostDisk("data", dir.resolve("missing.img")))));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertEquals("data", e.subject());
        assertEquals(List.of(), files(dir.resolve("run")));
        assertFalse(Files.exists(run.resolve("downward-metrics")));
        assertFalse(metricsThreads());
    }
}
