package dev.qvmm.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.storage.Artifact;
import dev.qvmm.vmm.storage.ArtifactPreparer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerDisk pulls against a real registry on loopback (Debian's docker-registry, started by
 * the test) with the real skopeo, tar and qemu-img: what is stored, what is reused, and each way a
 * pull fails before QEMU would start, with nothing half-written left in the store.
 */
class ContainerDiskStoreTest {

    private static final long DISK_SIZE = 64L << 20;

    @TempDir
    static Path shared;
    static LoopbackRegistry registry;
    static Path qcow2;

    @TempDir
    Path work;

    private final QemuImg qemuImg = QemuImg.onPath();
    private final ContainerDiskStore store = ContainerDiskStore.onPath(qemuImg);

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = LoopbackRegistry.start(shared.resolve("registry"));
        qcow2 = shared.resolve("disk.qcow2");
        QemuImg.onPath().createQcow2(qcow2, DISK_SIZE);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private Path images() {
        return work.resolve("images");
    }

    private Path diskPath(String image) {
        return images().resolve(image.replaceAll("[^A-Za-z0-9._-]", "_")).resolve("disk.img");
    }

    private Path file(String content) throws IOException {
        return Files.writeString(Files.createTempFile(work, "f-", ".txt"), content);
    }

    /** A layer holding the shared qcow2 at {@code disk/disk.qcow2} and a marker that makes its blob unique. */
    private Map<String, Path> diskLayer() throws IOException {
        return Map.of("disk/disk.qcow2", qcow2, "etc/unique", file(UUID.randomUUID().toString()));
    }

    private ContainerDiskStore.Pulled pull(String image, Optional<String> path) throws IOException {
        try (Rollback rollback = new Rollback()) {
            ContainerDiskStore.Pulled pulled = store.pull("root", image, path, diskPath(image), rollback);
            rollback.commit();
            return pulled;
        }
    }

    private VmmException pullFails(String image) {
        return assertThrows(VmmException.class, () -> pull(image, Optional.empty()));
    }

    private void assertStoreClean() throws IOException {
        if (!Files.exists(images())) {
            return;
        }
        try (Stream<Path> s = Files.walk(images())) {
            List<Path> left = s.filter(p -> !p.equals(images())).toList();
            assertEquals(List.of(), left, "a failed pull leaves nothing in the store");
        }
    }

    @Test
    void pullStoresTheDiskByManifestDigestAndLinksThePlannersPath() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/probe:v1", List.of(diskLayer()), work);

        long t0 = System.nanoTime();
        ContainerDiskStore.Pulled pulled = pull(pushed.reference(), Optional.empty());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("containerDisk pull of a " + (DISK_SIZE >> 20) + " MiB qcow2 from the loopback registry: " + ms + " ms");

        assertFalse(pulled.reused());
        assertEquals(pushed.manifestDigest(), pulled.manifestDigest());
        Path stored = images().resolve("sha256").resolve(pushed.manifestDigest().substring(7)).resolve("disk.img");
        assertEquals(stored, pulled.disk());
        assertEquals(-1L, Files.mismatch(qcow2, stored), "the stored disk is the image's /disk file, byte for byte");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)));
        Path link = diskPath(pushed.reference());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(stored, Files.readSymbolicLink(link));
        QemuImg.Info info = qemuImg.info(link);
        assertEquals("qcow2", info.format());
        assertEquals(DISK_SIZE, info.virtualSize());
        try (Stream<Path> s = Files.list(images())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".pull-")).toList(), "staging is removed");
        }
    }

    @Test
    void aPullOfTheSameDigestRemovesWhatAKilledPullLeftAndNothingElse() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/leftover:v1", List.of(diskLayer()), work);
        String hex16 = pushed.manifestDigest().substring(7, 7 + 16);
        // What a qvmm killed mid-pull leaves: a half-unpacked staging directory and its (now unlocked) lock file.
        Path left = Files.createDirectories(images().resolve(".pull-" + hex16 + "-deadbeef0001/rootfs/disk"));
        Files.write(left.resolve("disk.qcow2"), new byte[4096]);
        Files.createFile(images().resolve(".pull-" + hex16 + "-deadbeef0001.lock"));
        Path other = Files.createDirectories(images().resolve(".pull-0123456789abcdef-deadbeef0002"));
        pull(pushed.reference(), Optional.empty());
        try (Stream<Path> s = Files.list(images())) {
            assertEquals(List.of(other), s.filter(p -> p.getFileName().toString().startsWith(".pull-")).toList(),
                    "the leftover of this digest is gone; another digest's staging is not this pull's business");
        }
    }

    @Test
    void aSecondPullReusesTheStoredCopyAndAPinnedOneNeedsNoRegistry() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/shared:v1", List.of(diskLayer()), work);
        ContainerDiskStore.Pulled first = pull(pushed.reference(), Optional.empty());
        Object inode = Files.readAttributes(first.disk(), "unix:ino").get("ino");

        ContainerDiskStore.Pulled again = pull(pushed.reference(), Optional.empty());
        assertTrue(again.reused());
        assertEquals(first.disk(), again.disk());
        assertEquals(inode, Files.readAttributes(again.disk(), "unix:ino").get("ino"), "the same file, not a new copy");

        String pinned = registry.host() + "/disks/shared@" + pushed.manifestDigest();
        ContainerDiskStore.Pulled byDigest = pull(pinned, Optional.empty());
        assertTrue(byDigest.reused());
        assertEquals(first.disk(), byDigest.disk(), "tag and digest references share one stored copy");
        assertEquals(first.disk(), Files.readSymbolicLink(diskPath(pinned)));

        // A digest-pinned image already stored is content-addressed: no registry is contacted at all.
        Path otherDiskPath = images().resolve("127.0.0.1_1_x_sha256").resolve("disk.img");
        try (Rollback rollback = new Rollback()) {
            ContainerDiskStore.Pulled offline = store.pull("root", "127.0.0.1:1/disks/shared@" + pushed.manifestDigest(),
                    Optional.empty(), otherDiskPath, rollback);
            rollback.commit();
            assertTrue(offline.reused());
        }
    }

    @Test
    void theVolumesPathPicksAFileOutsideDisk() throws Exception {
        Path raw = work.resolve("root.raw");
        Files.write(raw, new byte[1 << 20]);
        LoopbackRegistry.Pushed pushed = registry.push("disks/pathed:v1",
                List.of(Map.of("images/root.raw", raw, "disk/other.qcow2", qcow2)), work);
        ContainerDiskStore.Pulled pulled = pull(pushed.reference(), Optional.of("/images/root.raw"));
        assertEquals("path-_images_root.raw.img", pulled.disk().getFileName().toString());
        assertEquals("raw", qemuImg.info(pulled.disk()).format());

        VmmException e = assertThrows(VmmException.class, () -> pull(pushed.reference(), Optional.of("/images/missing.raw")));
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertTrue(e.getMessage().contains("/images/missing.raw") && e.getMessage().contains("/images/"), e.getMessage());
    }

    @Test
    void anImageIndexResolvesToThisHostsPlatform() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/multi:v1", List.of(diskLayer()), work,
                List.of("linux/s390x", "linux/amd64"));
        ContainerDiskStore.Pulled pulled = pull(pushed.reference(), Optional.empty());
        assertEquals(pushed.manifestDigest(), pulled.manifestDigest(), "stored under the platform manifest's digest");
        ContainerDiskStore.Pulled byIndexDigest = pull(registry.host() + "/disks/multi@" + pushed.indexDigest(), Optional.empty());
        assertTrue(byIndexDigest.reused());
        assertEquals(pulled.disk(), byIndexDigest.disk());

        LoopbackRegistry.Pushed foreign = registry.push("disks/foreign:v1", List.of(diskLayer()), work,
                List.of("linux/s390x", "linux/ppc64le"));
        VmmException e = pullFails(foreign.reference());
        assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("linux/s390x") && e.getMessage().contains("linux/ppc64le"), e.getMessage());
        assertFalse(Files.exists(diskPath(foreign.reference()).getParent()), "nothing is linked for the refused image");
    }

    @Test
    void aKernelBootContainerKeepsItsWholeFileSystem() throws Exception {
        Path kernel = file("not really a kernel");
        LoopbackRegistry.Pushed pushed = registry.push("kernels/probe:v1",
                List.of(Map.of("vmlinux", kernel, "boot/initrd.img", file("initrd"))), work);
        Path link = images().resolve(pushed.reference().replaceAll("[^A-Za-z0-9._-]", "_")).resolve("rootfs");
        ContainerDiskStore.Pulled pulled;
        try (Rollback rollback = new Rollback()) {
            pulled = store.pullRootfs("kernelBoot", pushed.reference(), link, rollback);
            rollback.commit();
        }
        assertEquals(images().resolve("sha256").resolve(pushed.manifestDigest().substring(7)).resolve("rootfs"), pulled.disk());
        assertEquals(-1L, Files.mismatch(kernel, link.resolve("vmlinux")));
        assertEquals("initrd", Files.readString(link.resolve("boot/initrd.img")));
    }

    @Test
    void layersStackAndWhiteoutsRemoveLowerFiles() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/layered:v1", List.of(
                Map.of("disk/old.qcow2", qcow2, "disk/stale/x", file("x")),
                Map.of("disk/.wh.old.qcow2", file(""), "disk/.wh.stale", file(""), "disk/new.qcow2", qcow2)), work);
        ContainerDiskStore.Pulled pulled = pull(pushed.reference(), Optional.empty());
        assertEquals(DISK_SIZE, qemuImg.info(pulled.disk()).virtualSize());
    }

    @Test
    void anUnreachableRegistryFailsNamingTheVolumeAndLeavesNothing() throws Exception {
        String image = "127.0.0.1:" + LoopbackRegistry.freePort() + "/disks/probe:v1";
        VmmException e = pullFails(image);
        assertEquals(VmmException.Kind.REGISTRY_UNREACHABLE, e.kind(), e.getMessage());
        assertEquals("root", e.subject());
        assertTrue(e.getMessage().startsWith("volume \"root\": pulling image " + image), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), "skopeo's stderr is in the message: " + e.getMessage());
        assertStoreClean();
    }

    @Test
    void anUnknownTagOrDigestIsNotFound() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/known:v1", List.of(diskLayer()), work);
        assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, pullFails(registry.host() + "/disks/known:v2").kind());
        assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, pullFails(registry.host() + "/disks/unknown:v1").kind());
        String wrongDigest = OciLayout.sha256("not this image".getBytes(StandardCharsets.UTF_8));
        VmmException e = pullFails(registry.host() + "/disks/known@" + wrongDigest);
        assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains(wrongDigest), e.getMessage());
        assertFalse(pushed.manifestDigest().equals(wrongDigest));
        assertStoreClean();
    }

    @Test
    void aManifestThatDoesNotMatchThePinnedDigestIsRejected() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/tampered:v1", List.of(diskLayer()), work);
        Path manifest = registry.storedBlob(pushed.manifestDigest());
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));

        VmmException e = pullFails(registry.host() + "/disks/tampered@" + pushed.manifestDigest());
        assertEquals(VmmException.Kind.IMAGE_DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(pushed.manifestDigest()), e.getMessage());
        assertStoreClean();
    }

    @Test
    void aLayerThatDoesNotMatchItsDigestIsRejected() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/corrupt:v1", List.of(diskLayer()), work);
        Path layer = registry.storedBlob(pushed.layerDigests().getFirst());
        try (var ch = Files.newByteChannel(layer, StandardOpenOption.WRITE)) {
            ch.position(100);
            ch.write(java.nio.ByteBuffer.wrap("garbage".getBytes(StandardCharsets.UTF_8)));
        }
        VmmException e = pullFails(pushed.reference());
        assertEquals(VmmException.Kind.IMAGE_DIGEST_MISMATCH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(pushed.layerDigests().getFirst()), e.getMessage());
        assertStoreClean();
    }

    @Test
    void aBlobCorruptedAfterThePullIsCaughtWhileReadingTheLayout() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/layout:v1", List.of(diskLayer()), work);
        ImageReference ref = ImageReference.parse(pushed.reference());
        Path layout = work.resolve("oci");
        Skopeo.onPath().copyToOciLayout("root", ref, ref.pinned(pushed.manifestDigest()), layout);
        OciLayout oci = new OciLayout(layout, "root", ref);
        assertEquals(1, oci.layers().size());
        Path blob = layout.resolve("blobs/sha256").resolve(oci.layers().getFirst().digest().substring(7));
        Files.write(blob, new byte[] {0}, StandardOpenOption.APPEND);

        VmmException e = assertThrows(VmmException.class,
                () -> oci.unpack(work.resolve("rootfs"), work.resolve("scratch"), java.time.Duration.ofMinutes(1)));
        assertEquals(VmmException.Kind.IMAGE_DIGEST_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains(oci.layers().getFirst().digest()), e.getMessage());
    }

    @Test
    void anImageWithoutADiskFileNamesWhatItHolds() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/nodisk:v1", List.of(Map.of("etc/hostname", file("probe\n"))), work);
        VmmException e = pullFails(pushed.reference());
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertTrue(e.getMessage().contains(pushed.reference()) && e.getMessage().contains("nothing under /disk")
                && e.getMessage().contains("/etc/"), e.getMessage());
        assertStoreClean();
    }

    @Test
    void anImageWithTwoDiskFilesNamesBoth() throws Exception {
        Path raw = work.resolve("b.raw");
        Files.write(raw, new byte[1 << 20]);
        LoopbackRegistry.Pushed pushed = registry.push("disks/twodisks:v1",
                List.of(Map.of("disk/a.qcow2", qcow2, "disk/b.raw", raw)), work);
        VmmException e = pullFails(pushed.reference());
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertTrue(e.getMessage().contains("/disk/a.qcow2, /disk/b.raw"), e.getMessage());
        assertStoreClean();
    }

    @Test
    void aDiskWithABackingFileIsRejected() throws Exception {
        Path overlay = work.resolve("overlay.qcow2");
        LoopbackRegistry.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "/nonexistent/base.raw", "-F", "raw",
                overlay.toString(), "1M"));
        LoopbackRegistry.Pushed pushed = registry.push("disks/backed:v1", List.of(Map.of("disk/disk.qcow2", overlay)), work);
        VmmException e = pullFails(pushed.reference());
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertTrue(e.getMessage().contains("backing file (/nonexistent/base.raw)"), e.getMessage());
        assertStoreClean();
    }

    @Test
    void theArtifactStepPullsAndPutsTheVmsOverlayOnTop() throws Exception {
        LoopbackRegistry.Pushed pushed = registry.push("disks/prepared:v1", List.of(diskLayer()), work);
        Path diskPath = diskPath(pushed.reference());
        Path overlay = work.resolve("vm/container-disks/root.qcow2");
        ArtifactPreparer.Prepared prepared = new ArtifactPreparer(qemuImg).prepare(List.of(
                new Artifact.PullContainerDisk("root", pushed.reference(), Optional.empty(), diskPath),
                new Artifact.CreateOverlay("root", overlay, diskPath)));
        QemuImg.Info info = qemuImg.info(overlay);
        assertEquals(DISK_SIZE, info.virtualSize());
        assertEquals(diskPath.toString(), info.backingFilename());
        prepared.removeEphemeral();
        assertFalse(Files.exists(overlay));
        assertTrue(Files.isRegularFile(diskPath), "the shared stored disk stays");
    }
}
