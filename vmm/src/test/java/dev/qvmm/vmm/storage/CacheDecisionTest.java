package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qvmm.blockdev.Aio;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.HostConfig;
import dev.qvmm.vmm.spec.CacheMode;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache decision as {@code qvmm plan} and {@code qvmm run} make it, from the O_DIRECT probe on
 * the real backing files: claims on the state directory's own file system (ext4 here) get cache
 * none and aio native; claims on a tmpfs (no O_DIRECT) get writethrough and aio threads, whether
 * the image exists or is still to be made; {@code cache: none} asked there is refused; a loop
 * device (whatever backs it) takes O_DIRECT.
 */
class CacheDecisionTest {

    @TempDir
    Path state;

    /** ramfs: no O_DIRECT on any kernel. */
    private Path ramfs;
    /** tmpfs: O_DIRECT since Linux 6.6, none before. */
    private Path tmpfs;

    @BeforeEach
    void mount() throws Exception {
        ramfs = Files.createDirectories(state.resolve("ram"));
        run("mount", "-t", "ramfs", "ramfs", ramfs.toString());
        tmpfs = Files.createDirectories(state.resolve("fast"));
        run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", tmpfs.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            run("umount", tmpfs.toString());
        } finally {
            run("umount", ramfs.toString());
        }
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), () -> String.join(" ", argv) + ": " + out);
        return out;
    }

    private static String spec(String cache) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: cache}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}%s}
                  volumes:
                  - {name: a, persistentVolumeClaim: {claimName: data}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {resources: {requests: {storage: 4Mi}}}
                """.formatted(cache);
    }

    private StoragePlan plan(String yaml, Path claims, Map<String, Path> blockClaims) throws Exception {
        HostConfig d = HostConfig.defaults(state);
        HostConfig c = new HostConfig(claims, d.configMaps(), d.secrets(), d.serviceAccounts(), d.images(),
                d.pvcTolerateLessSpaceUpToPercent(), false, false, d.prHelperSocket(), false, 2, Optional.empty(), List.of(state),
                Optional.empty(), Optional.empty(), blockClaims, Map.of());
        return HostPlanning.plan(SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).spec(), c, state, Accelerator.TCG,
                "qemu-system-x86_64");
    }

    private static void raw(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(4L << 20);
        }
    }

    private static void assertDecision(StoragePlan plan, CacheMode cache, boolean direct, Aio aio) {
        DiskPlan d = plan.disks().getFirst();
        assertEquals(cache, d.cache(), plan.disks().toString());
        BlockNode n = d.nodes().getFirst();
        switch (n) {
            case FileNode f -> {
                assertEquals(direct, f.options().cacheDirect());
                assertEquals(aio, f.aio());
            }
            case HostDeviceNode h -> {
                assertEquals(direct, h.options().cacheDirect());
                assertEquals(aio, h.aio());
            }
            default -> throw new AssertionError("a protocol node first: " + n);
        }
    }

    @Test
    void anImageOnAFileSystemWithODirectGetsCacheNone() throws Exception {
        Path claims = state.resolve("claims");
        raw(claims.resolve("data/disk.img"));
        assertDecision(plan(spec(""), claims, Map.of()), CacheMode.NONE, true, Aio.NATIVE);
        // Still to be made: the file system of its nearest existing directory decides.
        assertDecision(plan(spec(""), state.resolve("other-claims"), Map.of()), CacheMode.NONE, true, Aio.NATIVE);
    }

    @Test
    void anImageOnAFileSystemWithoutODirectFallsBackToWritethroughExistingOrNot() throws Exception {
        assertDecision(plan(spec(""), ramfs, Map.of()), CacheMode.WRITETHROUGH, false, Aio.THREADS);
        raw(ramfs.resolve("data/disk.img"));
        assertDecision(plan(spec(""), ramfs, Map.of()), CacheMode.WRITETHROUGH, false, Aio.THREADS);
        assertDecision(plan(spec(", cache: writeback"), ramfs, Map.of()), CacheMode.WRITEBACK, false, Aio.THREADS);
        try (var s = Files.list(ramfs)) {
            assertEquals(List.of(ramfs.resolve("data")), s.toList(), "the probe's scratch file is gone");
        }
    }

    @Test
    void cacheNoneAskedWithoutODirectIsRefusedNamingTheDiskAndTheFile() throws Exception {
        raw(ramfs.resolve("data/disk.img"));
        VmmException e = assertThrows(VmmException.class, () -> plan(spec(", cache: none"), ramfs, Map.of()));
        assertEquals(VmmException.Kind.DIRECT_IO_UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("disks[0]") && e.getMessage().contains(ramfs.resolve("data/disk.img").toString())
                && e.getMessage().contains("writethrough"), e.getMessage());
    }

    /** The probe, not the file system's name, decides: the same answer before and after the image exists. */
    @Test
    void tmpfsGetsTheSameDecisionWhetherTheImageExistsYetOrNot() throws Exception {
        CacheMode before = plan(spec(""), tmpfs, Map.of()).disks().getFirst().cache();
        raw(tmpfs.resolve("data/disk.img"));
        CacheMode after = plan(spec(""), tmpfs, Map.of()).disks().getFirst().cache();
        assertEquals(before, after);
        System.out.println("tmpfs on " + System.getProperty("os.version") + ": cache " + after);
    }

    @Test
    void aMissingDeviceIsLeftForPreparationToReportAndNothingIsCreatedInDev() throws Exception {
        String yaml = spec("").replace("spec: {resources:", "spec: {volumeMode: Block, resources:");
        Path missing = Path.of("/dev/qvmm-test-missing-" + ProcessHandle.current().pid());
        List<String> before;
        try (var s = Files.list(Path.of("/dev"))) {
            before = s.map(Path::toString).filter(n -> n.contains("qvmm-odirect")).toList();
        }
        assertDecision(plan(yaml, state.resolve("claims"), Map.of("data", missing)), CacheMode.NONE, true, Aio.NATIVE);
        try (var s = Files.list(Path.of("/dev"))) {
            assertEquals(before, s.map(Path::toString).filter(n -> n.contains("qvmm-odirect")).toList());
        }
        assertTrue(!Files.exists(missing));
    }

    @Test
    void aLoopDeviceTakesODirectEvenWhenItsBackingFileIsOnTmpfs() throws Exception {
        Path backing = tmpfs.resolve("dev.img");
        raw(backing);
        Process p = new ProcessBuilder("losetup", "-f", "--show", backing.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assumeTrue(p.exitValue() == 0 && out.startsWith("/dev/"), "losetup needs root: " + out);
        Path loop = Path.of(out);
        try {
            String yaml = spec("").replace("spec: {resources:", "spec: {volumeMode: Block, resources:");
            assertDecision(plan(yaml, state.resolve("claims"), Map.of("data", loop)), CacheMode.NONE, true, Aio.NATIVE);
        } finally {
            run("losetup", "-d", loop.toString());
        }
    }
}
