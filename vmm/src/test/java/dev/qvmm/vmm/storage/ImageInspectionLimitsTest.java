package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images qvmm did not make are inspected under limits: a run of {@code qemu-img info} cut short
 * fails preparation with an error naming the volume (and the DataVolume), and leaves nothing behind.
 * The limit is made tiny here (16 MiB of address space) so that any image hits it.
 */
class ImageInspectionLimitsTest {

    private static final long MIB = 1L << 20;
    private static final QemuImg TINY = new QemuImg("qemu-img", Duration.ofSeconds(60),
            new QemuImg.InfoLimits(Duration.ofSeconds(30), 16 * MIB));

    @TempDir
    Path dir;

    @Test
    void anExistingClaimImageInspectedOverTheLimitFailsNamingTheVolume() throws Exception {
        Path img = dir.resolve("claims/data/disk.img");
        Files.createDirectories(img.getParent());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(8 * MIB);
        }
        Artifact a = new Artifact.EnsureClaimImage("a", "data", img, OptionalLong.of(8 * MIB), false, false, 10);
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(TINY, ImportProgress.NONE).prepare(List.of(a)));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("volume \"a\"") && e.getMessage().contains("address space 16 MiB"), e.getMessage());
        assertEquals(8 * MIB, Files.size(img), "the user's image is untouched");
        // The same image under the default (CDI's) limits is fine.
        new ArtifactPreparer(QemuImg.onPath(), ImportProgress.NONE).prepare(List.of(a));
    }

    @Test
    void anImportedSourceInspectedOverTheLimitFailsNamingTheDataVolumeAndLeavesNoClaim() throws Exception {
        Path src = dir.resolve("src.raw");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(4 * MIB);
        }
        Path target = dir.resolve("claims/dv/disk.img");
        Artifact a = new Artifact.ImportDataVolume("a", "dv", new ImportSource.LocalFile(src, Optional.empty()), target,
                OptionalLong.of(8 * MIB), false);
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(TINY, ImportProgress.NONE).prepare(List.of(a)));
        assertTrue(e.getMessage().contains("volume \"a\"") && e.getMessage().contains("DataVolume \"dv\"")
                && e.getMessage().contains("address space 16 MiB"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("claims")), "nothing left behind");
    }
}
