package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DataVolume import checks the claim's file system for room before it fetches anything: on a
 * real 8 MiB tmpfs, an image that does not fit (less the 128 KiB reserve) fails with
 * INSUFFICIENT_SPACE naming the DataVolume and the figures, and leaves nothing behind.
 */
class DataVolumeSpaceTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private Path claims;
    private final QemuImg qemuImg = QemuImg.onPath();

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        claims = Files.createDirectories(dir.resolve("claims"));
        run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", claims.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        run("umount", claims.toString());
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish within 30 s");
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", argv) + ": "
                + new String(readAll(p), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(Process p) {
        try {
            return p.getInputStream().readAllBytes();
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }

    private DataVolumeImporter importer() {
        return new DataVolumeImporter(qemuImg, () -> { throw new AssertionError("no registry here"); }, ImportProgress.NONE,
                Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    private Artifact.ImportDataVolume artifact(ImportSource source, OptionalLong size) {
        return new Artifact.ImportDataVolume("root", "root-dv", source, claims.resolve("root-dv/disk.img"), size, false);
    }

    private Path raw(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void aRequestLargerThanTheFreeSpaceFailsBeforeAnythingIsFetched() throws Exception {
        Artifact.ImportDataVolume a = artifact(new ImportSource.Blank(), OptionalLong.of(16 * MIB));
        VmmException e = assertThrows(VmmException.class, () -> importer().importInto(a, new Rollback()));
        assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
        assertEquals("root", e.subject());
        for (String s : List.of("volume \"root\"", "DataVolume \"root-dv\"", String.valueOf(16 * MIB), "131072-byte reserve")) {
            assertTrue(e.getMessage().contains(s), s + " in " + e.getMessage());
        }
        try (var s = Files.list(claims)) {
            assertEquals(List.of(), s.toList(), "nothing left in the claims directory");
        }
    }

    @Test
    void exactlyTheFreeSpaceLessTheReserveStillFitsAndOneMebibyteMoreDoesNot() throws Exception {
        long free = Files.getFileStore(claims).getUsableSpace() - ClaimImage.RESERVE_BYTES;
        long fits = free / MIB * MIB;
        Path src = raw("fits.raw", 2 * MIB);
        assertTrue(importer().importInto(artifact(new ImportSource.LocalFile(src, Optional.empty()), OptionalLong.of(fits)),
                new Rollback()).imported());
        assertEquals(fits, Files.size(claims.resolve("root-dv/disk.img")));
    }

    @Test
    void withoutARequestTheSourcesVirtualSizeIsChecked() throws Exception {
        Path src = raw("big.raw", 16 * MIB);
        VmmException e = assertThrows(VmmException.class, () -> importer().importInto(
                artifact(new ImportSource.LocalFile(src, Optional.empty()), OptionalLong.empty()), new Rollback()));
        assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
        assertTrue(e.getMessage().contains(String.valueOf(16 * MIB)), e.getMessage());
        assertFalse(Files.exists(claims.resolve("root-dv")), "no claim directory, no staging left");
    }
}
