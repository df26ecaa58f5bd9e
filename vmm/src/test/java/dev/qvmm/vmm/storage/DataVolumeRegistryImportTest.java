package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.image.ContainerDiskStore;
import dev.qvmm.vmm.image.LoopbackRegistry;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DataVolume with a registry source, against a real registry on loopback (Debian's
 * docker-registry): the container disk goes through the image store and is converted to a raw claim image.
 */
class DataVolumeRegistryImportTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path work;

    private final QemuImg qemuImg = QemuImg.onPath();

    @Test
    void aRegistryImageIsPulledThroughTheStoreAndConvertedToRaw() throws Exception {
        Path raw = work.resolve("disk.raw");
        byte[] pattern = new byte[(int) MIB];
        Arrays.fill(pattern, (byte) 0x5a);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(8 * MIB);
            f.write(pattern);
        }
        Path qcow2 = work.resolve("disk.qcow2");
        qemuImg.convert(raw, "raw", qcow2, "qcow2", Duration.ofSeconds(60));
        try (LoopbackRegistry registry = LoopbackRegistry.start(work.resolve("registry"))) {
            LoopbackRegistry.Pushed pushed = registry.push("disks/dv:v1", List.of(Map.of("disk/disk.qcow2", qcow2)), work);
            DataVolumeImporter importer = new DataVolumeImporter(qemuImg, () -> ContainerDiskStore.onPath(qemuImg),
                    ImportProgress.NONE, Duration.ofSeconds(5), Duration.ofSeconds(60));
            Path link = work.resolve("images").resolve(DiskBackends.imageKey(pushed.reference())).resolve("disk.img");
            Path disk = work.resolve("claims/reg/disk.img");
            try (Rollback rollback = new Rollback()) {
                assertTrue(importer.importInto(new Artifact.ImportDataVolume("data", "reg",
                        new ImportSource.Registry(pushed.reference(), link), disk, OptionalLong.of(16 * MIB), false), rollback).imported());
                rollback.commit();
            }
            QemuImg.Info info = qemuImg.info(disk);
            assertEquals("raw", info.format());
            assertEquals(16 * MIB, info.virtualSize());
            byte[] head = new byte[(int) MIB];
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
                f.readFully(head);
            }
            assertArrayEquals(pattern, head);
            assertEquals("qcow2", qemuImg.info(link).format(), "the store keeps the image as pulled, shared");

            Path missing = work.resolve("claims/gone/disk.img");
            VmmException e = assertThrows(VmmException.class, () -> {
                try (Rollback rollback = new Rollback()) {
                    importer.importInto(new Artifact.ImportDataVolume("data", "gone", new ImportSource.Registry(
                            registry.host() + "/disks/absent:v1", work.resolve("images/absent/disk.img")), missing,
                            OptionalLong.of(16 * MIB), false), rollback);
                }
            });
            assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, e.kind(), e.getMessage());
            assertFalse(Files.exists(missing.getParent()));
        }
    }
}
