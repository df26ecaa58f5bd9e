package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.blockdev.Qcow2Node;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.AllowedPaths;
import dev.qvmm.vmm.host.BlockDevices;
import dev.qvmm.vmm.spec.CacheMode;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block claims on a bare host: how a claim is bound to a device (a PersistentVolume of the stream
 * or the host config's blockClaims), what the planner makes of it, and what preparation checks of
 * the device (exists, is a block device, holds the request, by BLKGETSIZE64 on a real loop device).
 */
class BlockClaimTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private static HostFacts host(Map<String, Path> claimDevices) {
        return new HostFacts(Path.of("/srv/claims"), Path.of("/run/qvmm/vm"), Path.of("/srv/images"), Accelerator.TCG, Set.of(),
                claimDevices, false, Path.of("/run/qemu-pr-helper.sock"), false, 2, Path.of("/var/lib/qvmm"));
    }

    private static VmSpec spec(String volume, String objects) {
        return SpecReader.read("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: blk}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - %s
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {volumeMode: Block, resources: {requests: {storage: 1Gi}}%s}
                """.formatted(volume, objects.isEmpty() ? "" : ", volumeName: pv1") + objects, "t.yaml", SpecContext.defaults()).spec();
    }

    private static final String PVC = "{name: a, persistentVolumeClaim: {claimName: data}}";

    private static String pv(String volumeMode, String source) {
        return """
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv1}
                spec:
                  capacity: {storage: 1Gi}
                %s  %s
                """.formatted(volumeMode == null ? "" : "  volumeMode: " + volumeMode + "\n", source);
    }

    private static Artifact.RequireBlockDevice required(StoragePlan plan) {
        return plan.artifacts().stream().filter(a -> a instanceof Artifact.RequireBlockDevice)
                .map(a -> (Artifact.RequireBlockDevice) a).findFirst().orElseThrow(() -> new AssertionError(plan.artifacts()));
    }

    @Test
    void aStaticLocalVolumeBindsTheClaimToAHostDeviceNodeWithDirectIoAndNativeAio() {
        StoragePlan plan = StoragePlanner.plan(spec(PVC, pv("Block", "local: {path: /dev/sdb}")), host(Map.of()),
                QemuCapabilities.qemu72());
        assertEquals(new Artifact.RequireBlockDevice("a", "data", Path.of("/dev/sdb"), OptionalLong.of(1L << 30),
                "its PersistentVolume"), required(plan));
        DiskPlan d = plan.disks().getFirst();
        HostDeviceNode node = assertInstanceOf(HostDeviceNode.class, d.nodes().getFirst());
        assertEquals(Path.of("/dev/sdb"), node.filename());
        assertEquals(CacheMode.NONE, d.cache());
        String argv = String.join("\n", ArgvRenderer.argv(plan));
        assertTrue(argv.contains("\"aio\":\"native\"") && argv.contains("\"driver\":\"host_device\""), argv);
        assertFalse(plan.artifacts().stream().anyMatch(a -> a instanceof Artifact.EnsureClaimImage), "no disk.img for a Block claim");
    }

    @Test
    void aHostPathVolumeBindsTooAndTheHostConfigBindsAClaimWithoutAnyVolume() {
        assertEquals(Path.of("/dev/vg0/data"), required(StoragePlanner.plan(spec(PVC, pv("Block", "hostPath: {path: /dev/vg0/data}")),
                host(Map.of()), QemuCapabilities.qemu72())).device());
        Artifact.RequireBlockDevice r = required(StoragePlanner.plan(spec(PVC, ""), host(Map.of("data", Path.of("/dev/loop3"))),
                QemuCapabilities.qemu72()));
        assertEquals(Path.of("/dev/loop3"), r.device());
        assertEquals("the host config's blockClaims", r.boundBy());
    }

    @Test
    void twoDifferentBindingsAreAnErrorNamingBothDevices() {
        VmmException e = assertThrows(VmmException.class, () -> StoragePlanner.plan(spec(PVC, pv("Block", "local: {path: /dev/sdb}")),
                host(Map.of("data", Path.of("/dev/sdc"))), QemuCapabilities.qemu72()));
        assertEquals(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, e.kind());
        assertTrue(e.getMessage().contains("/dev/sdb") && e.getMessage().contains("/dev/sdc") && e.getMessage().contains("\"data\""),
                e.getMessage());
        // The same device both ways is one binding.
        assertEquals(Path.of("/dev/sdb"), required(StoragePlanner.plan(spec(PVC, pv("Block", "local: {path: /dev/sdb}")),
                host(Map.of("data", Path.of("/dev/sdb"))), QemuCapabilities.qemu72())).device());
    }

    @Test
    void anUnboundBlockClaimIsServedFromAFilePresentedRawAndTheNoteSaysHowToBindADevice() {
        StoragePlan plan = StoragePlanner.plan(spec(PVC, ""), host(Map.of()), QemuCapabilities.qemu72());
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("no host device is bound") && n.contains("blockClaims")
                && n.contains("local.path")), plan.notes().toString());
        assertTrue(plan.artifacts().stream().anyMatch(a -> a instanceof Artifact.EnsureClaimImage), plan.artifacts().toString());
        assertTrue(plan.artifacts().stream().noneMatch(a -> a instanceof Artifact.RequireBlockDevice), plan.artifacts().toString());
        assertTrue(plan.disks().getFirst().nodes().stream().anyMatch(n -> n instanceof dev.qvmm.blockdev.FileNode f
                && f.filename().endsWith(Path.of("data", "disk.img"))), plan.disks().getFirst().nodes().toString());
    }

    @Test
    void aBlockClaimBindsOnlyABlockVolumeWithAnAbsolutePathAndOnlyOne() {
        VmmException e = assertThrows(VmmException.class, () -> spec(PVC, pv(null, "local: {path: /dev/sdb}")));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        assertEquals(List.of("spec.volumeMode"), fromSpec(e));
        e = assertThrows(VmmException.class, () -> spec(PVC, pv("Block", "local: {path: dev/sdb}")));
        assertTrue(e.problems().stream().anyMatch(p -> p.path().endsWith("spec.local.path") && p.message().contains("dev/sdb")),
                e.problems().toString());
        e = assertThrows(VmmException.class, () -> spec(PVC, pv("Block", "local: {path: /dev/sdb}") + """
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv2}
                spec: {volumeMode: Block, local: {path: /dev/sdc}, claimRef: {name: data}}
                """));
        assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("pv1 and pv2")), e.problems().toString());
    }

    @Test
    void aFilesystemClaimBoundToAVolumeWithAPathSaysThePathIsNotUsed() {
        var read = SpecReader.read("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: fs}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, persistentVolumeClaim: {claimName: data}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {resources: {requests: {storage: 1Gi}}, volumeName: pv1}
                """ + pv(null, "hostPath: {path: /srv/pv1}"), "t.yaml", SpecContext.defaults());
        assertTrue(read.warnings().stream().anyMatch(w -> w.path().endsWith("spec.hostPath.path") && w.message().contains("/srv/pv1")
                && w.message().contains("not used")), read.warnings().toString());
        StoragePlan plan = StoragePlanner.plan(read.spec(), host(Map.of()), QemuCapabilities.qemu72());
        assertTrue(plan.artifacts().stream().anyMatch(a -> a instanceof Artifact.EnsureClaimImage c
                && c.path().equals(Path.of("/srv/claims/data/disk.img"))), plan.artifacts().toString());
    }

    /** Each problem's field path from its document's {@code spec.} on. */
    private static List<String> fromSpec(VmmException e) {
        return e.problems().stream().map(SpecProblem::path).map(p -> p.substring(p.indexOf("spec."))).toList();
    }

    @Test
    void anEphemeralVolumeOverABlockClaimIsAQcow2OverlayOnTheDeviceWhichIsStillChecked() {
        StoragePlan plan = StoragePlanner.plan(spec("{name: a, ephemeral: {persistentVolumeClaim: {claimName: data}}}",
                pv("Block", "local: {path: /dev/sdb}")), host(Map.of()), QemuCapabilities.qemu72());
        assertEquals(Path.of("/dev/sdb"), required(plan).device());
        Artifact.CreateOverlay o = plan.artifacts().stream().filter(a -> a instanceof Artifact.CreateOverlay)
                .map(a -> (Artifact.CreateOverlay) a).findFirst().orElseThrow();
        assertEquals(Path.of("/dev/sdb"), o.backing());
        assertEquals(Optional.of("raw"), o.backingFormat(), "a device's format is never probed: the guest may have written a header");
        DiskPlan d = plan.disks().getFirst();
        HostDeviceNode base = assertInstanceOf(HostDeviceNode.class, d.nodes().getFirst());
        assertTrue(base.options().readOnly(), "the device is the overlay's read-only base");
        assertInstanceOf(Qcow2Node.class, d.nodes().getLast());
    }

    @Test
    void aVolumeDeviceFromTheStreamMustBeUnderTheAllowedRootsButAnOperatorBindingNeedNot() {
        VmSpec s = spec(PVC, pv("Block", "local: {path: /dev/sdb}"));
        VmmException e = assertThrows(VmmException.class, () -> new AllowedPaths(List.of(dir)).check(s, Set.of()));
        assertEquals(VmmException.Kind.PATH_NOT_ALLOWED, e.kind());
        assertTrue(e.getMessage().contains("/dev/sdb") && e.getMessage().contains("\"data\""), e.getMessage());
        new AllowedPaths(List.of(Path.of("/dev"))).check(s, Set.of());
        new AllowedPaths(List.of(dir)).check(s, Set.of("data"));
    }

    @Test
    void preparationRefusesAMissingDeviceAndAFileNamingTheVolumeAndClaim() throws Exception {
        Path file = Files.write(dir.resolve("not-a-device"), new byte[4096]);
        for (Path p : List.of(dir.resolve("missing"), file, dir)) {
            VmmException e = assertThrows(VmmException.class, () -> ArtifactPreparer.requireBlockDevice(
                    new Artifact.RequireBlockDevice("a", "data", p, OptionalLong.empty(), "its PersistentVolume")));
            assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("volume \"a\"") && e.getMessage().contains("claim \"data\"")
                    && e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    @Test
    void aLoopDeviceIsSizedByTheIoctlAndOneSmallerThanTheRequestIsRefusedWithBothFigures() throws Exception {
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(6 * MIB);
        }
        Path loop = LoopDevice.attach(backing);
        assumeTrue(loop != null, "losetup needs root");
        try {
            assertTrue(BlockDevices.isBlockDevice(loop));
            assertFalse(BlockDevices.isBlockDevice(backing));
            assertEquals(6 * MIB, BlockDevices.sizeBytes(loop));
            assertEquals(6 * MIB, ArtifactPreparer.requireBlockDevice(new Artifact.RequireBlockDevice("a", "data", loop,
                    OptionalLong.of(6 * MIB), "its PersistentVolume")));
            VmmException e = assertThrows(VmmException.class, () -> ArtifactPreparer.requireBlockDevice(
                    new Artifact.RequireBlockDevice("a", "data", loop, OptionalLong.of(8 * MIB), "its PersistentVolume")));
            assertEquals(VmmException.Kind.INSUFFICIENT_SPACE, e.kind());
            for (String s : List.of("volume \"a\"", "claim \"data\"", loop.toString(), String.valueOf(8 * MIB), String.valueOf(6 * MIB))) {
                assertTrue(e.getMessage().contains(s), s + " in " + e.getMessage());
            }
        } finally {
            LoopDevice.detach(loop);
        }
        assertEquals(6 * MIB, Files.size(backing), "the device's backing file is untouched");
    }

    /** {@code losetup} as root; {@code null} when it cannot attach (not root, no loop support). */
    static final class LoopDevice {
        static Path attach(Path file) throws Exception {
            Process p = new ProcessBuilder("losetup", "-f", "--show", file.toString()).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && out.startsWith("/dev/") ? Path.of(out) : null;
        }

        static void detach(Path loop) throws Exception {
            Process p = new ProcessBuilder("losetup", "-d", loop.toString()).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
