package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real ISOs from the host's xorriso and genisoimage, read back with xorriso and isoinfo: label,
 * Joliet and Rock Ridge, file list, contents, size. Bad input and a missing tool leave nothing behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IsoBuilderTest {

    static final String SPEC = IsoFilesTest.vmi("iso-vm", "", "cloudInitNoCloud: {userData: \"#cloud-config\\nhostname: x\\n\", "
            + "networkData: \"version: 2\\n\"}", "");

    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> String.join(" ", argv) + " did not finish");
        assertEquals(0, p.exitValue(), () -> String.join(" ", argv) + ": " + out);
        return out;
    }

    /** Every file of the ISO with its bytes, extracted with xorriso. */
    static SortedMap<String, byte[]> contents(Path iso, Path scratch) throws Exception {
        Path out = scratch.resolve("extracted-" + iso.getFileName());
        run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", out.toString());
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(out)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                files.put(out.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return files;
    }

    static void assertIso(Path iso, Artifact.BuildIso a, Path scratch) throws Exception {
        assertEquals(0, Files.size(iso) % IsoBuilder.ALIGNMENT, "size " + Files.size(iso));
        String info = run("isoinfo", "-d", "-i", iso.toString());
        assertTrue(info.contains("Volume id: " + a.label()), info);
        assertTrue(info.contains("Joliet"), info);
        assertTrue(info.contains("Rock Ridge"), info);
        List<String> listed = run("xorriso", "-indev", iso.toString(), "-find", "/", "-type", "f").lines()
                .filter(l -> l.startsWith("'")).map(l -> l.substring(2, l.length() - 1)).sorted().toList();
        SortedMap<String, byte[]> expected = IsoFiles.files(a.forName(), a.content(), IsoBuilder::readDirectory);
        assertEquals(List.copyOf(expected.keySet()), listed);
        SortedMap<String, byte[]> got = contents(iso, scratch);
        assertEquals(expected.keySet(), got.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    }

    static Artifact.BuildIso at(Artifact.BuildIso a, Path path) {
        return new Artifact.BuildIso(a.forName(), path, a.label(), a.content());
    }

    static List<Path> listAll(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void xorrisoBuildsANoCloudIsoThatReadsBackExactly(@TempDir Path dir) throws Exception {
        Artifact.BuildIso a = at(IsoFilesTest.iso(SPEC), dir.resolve("run/config/gen.iso"));
        Path iso;
        try (Rollback rollback = new Rollback()) {
            iso = IsoBuilder.onPath().build(a, rollback);
            rollback.commit();
        }
        assertEquals(a.path(), iso);
        assertIso(iso, a, dir);
        assertEquals(List.of(dir.resolve("run"), dir.resolve("run/config"), iso), listAll(dir.resolve("run")),
                "no staging file or directory is left beside the ISO");
    }

    @Test
    void genisoimageIsUsedWhenXorrisoIsMissingAndBuildsTheSameFiles(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("genisoimage"), Path.of("/usr/bin/genisoimage"));
        String yaml = IsoFilesTest.vmi("cd-vm", "", "cloudInitConfigDrive: {userData: \"ignition\", networkData: \"{}\"}", "");
        Artifact.BuildIso a = at(IsoFilesTest.iso(yaml), dir.resolve("config/cd.iso"));
        try (Rollback rollback = new Rollback()) {
            new IsoBuilder(List.of(bin)).build(a, rollback);
            rollback.commit();
        }
        assertIso(a.path(), a, dir);
    }

    @Test
    void aConfigMapFromTheStateDirectoryIsAFlatIsoWithItsLabel(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("configmaps/app"));
        Files.writeString(dir.resolve("configmaps/app/app.properties"), "mode=demo\n");
        Files.write(dir.resolve("configmaps/app/blob.bin"), new byte[] {0, 1, 2, (byte) 255});
        Artifact.BuildIso a = at(IsoFilesTest.iso(IsoFilesTest.vmi("vm", "", "configMap: {name: app, volumeLabel: appcfg}", ""),
                IsoFilesTest.facts(dir)), dir.resolve("run/app.iso"));
        try (Rollback rollback = new Rollback()) {
            IsoBuilder.onPath().build(a, rollback);
            rollback.commit();
        }
        assertIso(a.path(), a, dir);
    }

    @Test
    void aMissingToolIsNamedAndNothingIsLeftBehind(@TempDir Path dir) throws Exception {
        Artifact.BuildIso a = at(IsoFilesTest.iso(SPEC), dir.resolve("run/config/gen.iso"));
        Path empty = Files.createDirectories(dir.resolve("empty-bin"));
        VmmException e = assertThrows(VmmException.class, () -> {
            try (Rollback rollback = new Rollback()) {
                new IsoBuilder(List.of(empty)).build(a, rollback);
                rollback.commit();
            }
        });
        assertEquals(VmmException.Kind.ISO_BUILD_FAILED, e.kind());
        assertEquals("gen", e.subject());
        assertTrue(e.getMessage().contains("xorriso") && e.getMessage().contains("genisoimage")
                && e.getMessage().contains(empty.toString()), e.getMessage());
        assertFalse(Files.exists(dir.resolve("run")), "nothing is left behind");
    }

    @Test
    void aFailingToolIsReportedWithItsStderrAndNothingIsLeftBehind(@TempDir Path dir) throws Exception {
        // The spec refuses such a label; built directly, xorriso itself refuses a volume id over 32 characters.
        Artifact.BuildIso ok = IsoFilesTest.iso(SPEC);
        Artifact.BuildIso a = new Artifact.BuildIso(ok.forName(), dir.resolve("run/config/gen.iso"), "x".repeat(40), ok.content());
        VmmException e = assertThrows(VmmException.class, () -> {
            try (Rollback rollback = new Rollback()) {
                IsoBuilder.onPath().build(a, rollback);
                rollback.commit();
            }
        });
        assertEquals(VmmException.Kind.ISO_BUILD_FAILED, e.kind());
        assertEquals("gen", e.subject());
        assertTrue(e.getMessage().contains("volume \"gen\"") && e.getMessage().contains("too long"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("run")), "nothing is left behind");
    }

    @Test
    void aMissingSecretFailsThePreparationBeforeAnythingIsCreated(@TempDir Path dir) throws Exception {
        String yaml = IsoFilesTest.vmi("vm", "", "cloudInitNoCloud: {secretRef: {name: absent}}", "");
        Artifact.BuildIso a = at(IsoFilesTest.iso(yaml, IsoFilesTest.facts(dir)), dir.resolve("run/config/gen.iso"));
        Artifact.CreateEmptyDisk before = new Artifact.CreateEmptyDisk("scratch", dir.resolve("run/empty/scratch.qcow2"), 1 << 20);
        List<Artifact> artifacts = new ArrayList<>(List.of(before, a));
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(QemuImg.onPath()).prepare(artifacts));
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertEquals("gen", e.subject());
        assertTrue(e.getMessage().contains("Secret \"absent\""), e.getMessage());
        assertEquals(List.of(dir), listAll(dir), "the emptyDisk made before is rolled back too");
    }

    @Test
    void userDataOverWhatAnIsoCarriesIsRefusedBeforeAnythingIsMadeOrRead(@TempDir Path dir) throws Exception {
        // A sparse 4 GiB userdata key of a Secret kept under the state directory: never read, only sized.
        Path secret = Files.createDirectories(dir.resolve("secrets/huge"));
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(secret.resolve("userdata").toFile(), "rw")) {
            f.setLength(IsoFiles.MAX_FILE_BYTES + 1);
        }
        String yaml = IsoFilesTest.vmi("vm", "", "cloudInitNoCloud: {secretRef: {name: huge}}", "");
        Artifact.BuildIso a = at(IsoFilesTest.iso(yaml, IsoFilesTest.facts(dir)), dir.resolve("run/config/gen.iso"));
        Artifact.CreateEmptyDisk before = new Artifact.CreateEmptyDisk("scratch", dir.resolve("run/empty/scratch.qcow2"), 1 << 20);
        long t0 = System.nanoTime();
        VmmException e = assertThrows(VmmException.class,
                () -> new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(before, a)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "4 GiB were not read to find this out");
        assertEquals(VmmException.Kind.ISO_BUILD_FAILED, e.kind());
        assertEquals("gen", e.subject());
        assertTrue(e.getMessage().contains("volume \"gen\"") && e.getMessage().contains("user-data")
                && e.getMessage().contains(String.valueOf(IsoFiles.MAX_FILE_BYTES + 1))
                && e.getMessage().contains(String.valueOf(IsoFiles.MAX_FILE_BYTES))
                && e.getMessage().contains(secret.resolve("userdata").toString()), e.getMessage());
        assertFalse(Files.exists(dir.resolve("run")), "nothing is left behind");
    }

    @Test
    void aHostFileKeyIsStreamedOntoTheIso(@TempDir Path dir) throws Exception {
        // Bigger than any buffer a copy would use in one piece; its bytes must come back exactly.
        Path cm = Files.createDirectories(dir.resolve("configmaps/blobs"));
        byte[] blob = new byte[3 << 20];
        new java.util.Random(6).nextBytes(blob);
        Files.write(cm.resolve("blob.bin"), blob);
        String yaml = IsoFilesTest.vmi("vm", "", "configMap: {name: blobs}", "");
        Artifact.BuildIso built = at(IsoFilesTest.iso(yaml, IsoFilesTest.facts(dir)), dir.resolve("run/config/blobs.iso"));
        try (Rollback rollback = new Rollback()) {
            IsoBuilder.onPath().build(built, rollback);
            rollback.commit();
        }
        assertArrayEquals(blob, contents(built.path(), dir).get("blob.bin"));
    }

    @Test
    void preparedIsosAreEphemeral(@TempDir Path dir) throws Exception {
        Artifact.BuildIso a = at(IsoFilesTest.iso(SPEC), dir.resolve("config/gen.iso"));
        ArtifactPreparer.Prepared prepared = new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(a));
        assertEquals(List.of(a.path()), prepared.ephemeral());
        assertTrue(Files.exists(a.path()));
        prepared.removeEphemeral();
        assertFalse(Files.exists(a.path()));
    }
}
