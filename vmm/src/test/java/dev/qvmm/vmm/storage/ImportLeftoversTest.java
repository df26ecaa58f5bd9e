package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a qvmm killed mid-import left beside a claim's image is removed by the next import of that claim. */
class ImportLeftoversTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private DataVolumeImporter.Outcome importBlank(Path target) throws Exception {
        try (Rollback r = new Rollback()) {
            DataVolumeImporter.Outcome o = new DataVolumeImporter(QemuImg.onPath(), () -> { throw new AssertionError(); },
                    ImportProgress.NONE, Duration.ofSeconds(10), Duration.ofSeconds(60)).importInto(
                    new Artifact.ImportDataVolume("root", "root-dv", new ImportSource.Blank(), target, OptionalLong.of(4 * MIB), false), r);
            r.commit();
            return o;
        }
    }

    private static Path leftover(Path claim, String name) throws Exception {
        Path staging = Files.createDirectories(claim.resolve(name));
        Files.write(staging.resolve("download"), new byte[64 * 1024]);
        Files.write(staging.resolve("disk.img"), new byte[64 * 1024]);
        Files.createFile(claim.resolve(name + ".lock"));
        return staging;
    }

    private static List<String> names(Path claim) throws Exception {
        try (Stream<Path> s = Files.list(claim)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aHalfDoneImportsStagingIsRemovedAndTheImportRedoneInFull() throws Exception {
        Path claim = Files.createDirectories(dir.resolve("claims/root-dv"));
        leftover(claim, ".import-0badc0ffee01");
        assertTrue(importBlank(claim.resolve("disk.img")).imported());
        assertEquals(List.of("disk.img", DataVolumeImporter.MARKER), names(claim));
        assertEquals(4 * MIB, Files.size(claim.resolve("disk.img")));
    }

    @Test
    void anImportKilledAfterPlacingTheImageLeavesTheImageAndLosesOnlyTheStaging() throws Exception {
        Path claim = Files.createDirectories(dir.resolve("claims/root-dv"));
        Path image = Files.write(claim.resolve("disk.img"), "the guest's data".getBytes());
        Path staging = leftover(claim, ".import-0badc0ffee02");
        Files.delete(staging.resolve("disk.img"));
        Files.createLink(staging.resolve("disk.img"), image); // the staged name of the placed image, as link(2) left it
        assertFalse(importBlank(image).imported(), "an existing disk.img is never imported again");
        assertEquals(List.of("disk.img"), names(claim));
        assertEquals("the guest's data", Files.readString(image));
    }
}
