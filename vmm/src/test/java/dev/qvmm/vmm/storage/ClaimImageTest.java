package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Filesystem claim's disk.img on a real, small file system: an 8 MiB tmpfs mounted for each
 * test, so "not enough space" and the tolerance are what the kernel reports, not a stub.
 */
class ClaimImageTest {

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

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out.strip();
    }

    /** Bytes actually allocated to {@code file}. */
    private static long allocated(Path file) throws Exception {
        return Long.parseLong(run("stat", "-c", "%b", file.toString())) * 512;
    }

    private Path image(String claim) {
        return claims.resolve(claim).resolve("disk.img");
    }

    private static Artifact.EnsureClaimImage claim(String name, Path path, long requested, boolean thick, boolean expand, int tolerance) {
        return new Artifact.EnsureClaimImage("vol-" + name, name, path, OptionalLong.of(requested), thick, expand, tolerance);
    }

    @Test
    void aMissingImageIsCreatedSparseRawAtTheRequestRoundedDownToOneMiB() throws Exception {
        Path img = image("small");
        ArtifactPreparer p = new ArtifactPreparer(qemuImg);
        p.prepare(List.of(claim("small", img, 3 * MIB + 4000, false, false, 10)));
        assertEquals(3 * MIB, Files.size(img));
        assertEquals(0, allocated(img), "sparse");
        assertEquals("raw", qemuImg.info(img).format());
        assertEquals(List.of(), p.warnings());
    }

    @Test
    void aMissingImageOfAPreallocatedClaimIsCreatedFullyAllocated() throws Exception {
        Path img = image("thick-new");
        new ArtifactPreparer(qemuImg).prepare(List.of(claim("thick-new", img, 3 * MIB, true, false, 10)));
        assertEquals(3 * MIB, Files.size(img));
        assertTrue(allocated(img) >= 3 * MIB, "every byte allocated, got " + allocated(img));
        assertEquals("raw", qemuImg.info(img).format());
    }

    @Test
    void whenTheRequestDoesNotFitButIsWithinTheToleranceTheImageIsMadeAtTheAvailableSizeWithAWarning() throws Exception {
        // 8 MiB less the 128 KiB reserve leaves 7 MiB once rounded down; 20% less than 8 MiB is 6.4 MiB.
        Path img = image("big");
        ArtifactPreparer p = new ArtifactPreparer(qemuImg);
        p.prepare(List.of(claim("big", img, 8 * MIB, false, false, 20)));
        assertEquals(7 * MIB, Files.size(img));
        assertEquals(1, p.warnings().size());
        String w = p.warnings().getFirst();
        assertTrue(w.contains("claim \"big\"") && w.contains(String.valueOf(7 * MIB)) && w.contains(String.valueOf(8 * MIB)), w);
    }

    @Test
    void beyondTheToleranceItFailsWithNotEnoughSpaceAndLeavesNothing() throws Exception {
        // 7 MiB available is more than 10% short of 8 MiB.
        Path img = image("big");
        VmmException e = assertThrows(VmmException.class,
                () -> new ArtifactPreparer(qemuImg).prepare(List.of(claim("big", img, 8 * MIB, false, false, 10))));
        assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
        assertEquals("vol-big", e.subject());
        assertTrue(e.getMessage().contains("not enough space") && e.getMessage().contains("claim \"big\"")
                && e.getMessage().contains(String.valueOf(8 * MIB)) && e.getMessage().contains("10%"), e.getMessage());
        assertFalse(Files.exists(img.getParent()), "the claim directory made for it is rolled back");
    }

    @Test
    void theReserveCounts() throws Exception {
        // Fill the file system so that exactly 2 MiB are free: 2 MiB does not fit with the 128 KiB reserve.
        Path filler = claims.resolve("filler");
        Files.write(filler, new byte[(int) (6 * MIB)]);
        VmmException e = assertThrows(VmmException.class,
                () -> new ArtifactPreparer(qemuImg).prepare(List.of(claim("two", image("two"), 2 * MIB, false, false, 0))));
        assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
        assertFalse(Files.exists(image("two")));
    }

    @Test
    void anExistingRawImageIsUsedAsItIsWithoutExpansion() throws Exception {
        Path img = sparse(image("kept"), 2 * MIB);
        ArtifactPreparer p = new ArtifactPreparer(qemuImg);
        p.prepare(List.of(claim("kept", img, 6 * MIB, false, false, 10)));
        assertEquals(2 * MIB, Files.size(img));
    }

    @Test
    void anExistingQcow2ImageIsAnErrorNamingTheFile() throws Exception {
        Path img = image("q");
        Files.createDirectories(img.getParent());
        qemuImg.createQcow2(img, 2 * MIB);
        VmmException e = assertThrows(VmmException.class,
                () -> new ArtifactPreparer(qemuImg).prepare(List.of(claim("q", img, 2 * MIB, false, false, 10))));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(img.toString()) && e.getMessage().contains("qcow2"), e.getMessage());
        assertTrue(Files.exists(img), "the user's image is never removed");
    }

    @Test
    void withExpandDisksAGrownRequestGrowsTheImageSparseAndNeverShrinksIt() throws Exception {
        Path img = sparse(image("grow"), 2 * MIB);
        writeMarker(img);
        new ArtifactPreparer(qemuImg).prepare(List.of(claim("grow", img, 5 * MIB + 1, false, true, 10)));
        assertEquals(5 * MIB, Files.size(img));
        assertTrue(allocated(img) < MIB, "a thin claim grows as a hole: " + allocated(img));
        assertEquals("qvmm", readMarker(img), "the data stays");

        new ArtifactPreparer(qemuImg).prepare(List.of(claim("grow", img, 3 * MIB, false, true, 10)));
        assertEquals(5 * MIB, Files.size(img), "never shrunk");
    }

    @Test
    void aPreallocatedClaimGrowsWithFalloc() throws Exception {
        Path img = sparse(image("thick"), 2 * MIB);
        new ArtifactPreparer(qemuImg).prepare(List.of(claim("thick", img, 5 * MIB, true, true, 10)));
        assertEquals(5 * MIB, Files.size(img));
        assertTrue(allocated(img) >= 3 * MIB, "the grown range is allocated: " + allocated(img));
    }

    @Test
    void aPreallocatedGrowBeyondTheFreeSpaceFails() throws Exception {
        Path img = sparse(image("thick"), 2 * MIB);
        VmmException e = assertThrows(VmmException.class,
                () -> new ArtifactPreparer(qemuImg).prepare(List.of(claim("thick", img, 16 * MIB, true, true, 10))));
        assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
        assertEquals(2 * MIB, Files.size(img), "left as it was");
    }

    private static Path sparse(Path img, long size) throws IOException {
        Files.createDirectories(img.getParent());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        return img;
    }

    private static void writeMarker(Path img) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.write("qvmm".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static String readMarker(Path img) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            byte[] b = new byte[4];
            f.readFully(b);
            return new String(b, StandardCharsets.US_ASCII);
        }
    }
}
