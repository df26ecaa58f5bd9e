package dev.qvmm.vmm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllowedPathsTest {

    @TempDir
    Path dir;

    private Path root;
    private Path outside;

    private void layout() throws Exception {
        root = Files.createDirectories(dir.resolve("root"));
        outside = Files.createDirectories(dir.resolve("outside"));
    }

    private static VmSpec spec(String volumes, String firmware) {
        return SpecReader.read("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: confined}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                %s
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                %s
                """.formatted(firmware, volumes), "t.yaml", SpecContext.defaults()).spec();
    }

    private static String hostDisk(Path p) {
        return "  - {name: a, hostDisk: {path: " + p + ", type: DiskOrCreate, capacity: 1Mi}}";
    }

    private VmmException rejected(VmSpec spec) {
        VmmException e = assertThrows(VmmException.class, () -> new AllowedPaths(List.of(root)).check(spec));
        assertEquals(VmmException.Kind.PATH_NOT_ALLOWED, e.kind());
        assertTrue(e.getMessage().contains(root.toString()), "names the roots: " + e.getMessage());
        return e;
    }

    @Test
    void aHostDiskUnderARootPassesEvenWhenItAndItsDirectoryDoNotExistYet() throws Exception {
        layout();
        new AllowedPaths(List.of(root)).check(spec(hostDisk(root.resolve("new/dir/disk.img")), ""));
    }

    @Test
    void aHostDiskOutsideIsRejectedNamingTheVolumeThePathAndTheRoots() throws Exception {
        layout();
        Path p = outside.resolve("disk.img");
        VmmException e = rejected(spec(hostDisk(p), ""));
        assertTrue(e.getMessage().contains("volume \"a\" hostDisk.path: " + p), e.getMessage());
    }

    @Test
    void dotDotCannotClimbOutOfARoot() throws Exception {
        layout();
        VmmException e = rejected(spec(hostDisk(Path.of(root + "/../outside/disk.img")), ""));
        assertTrue(e.getMessage().contains("resolves to " + outside.resolve("disk.img")), e.getMessage());
    }

    @Test
    void aSymbolicLinkInsideARootPointingOutIsFollowed() throws Exception {
        layout();
        Files.createSymbolicLink(root.resolve("escape"), outside);
        rejected(spec(hostDisk(root.resolve("escape/disk.img")), ""));
        // a dangling link: a file created through it would land outside
        Files.createSymbolicLink(root.resolve("dangling.img"), outside.resolve("not-yet.img"));
        rejected(spec(hostDisk(root.resolve("dangling.img")), ""));
        // and a link that stays inside is fine
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
        new AllowedPaths(List.of(root)).check(spec(hostDisk(root.resolve("alias/disk.img")), ""));
    }

    @Test
    void aRootThatIsItselfALinkIsCompared() throws Exception {
        layout();
        Path linkRoot = Files.createSymbolicLink(dir.resolve("via-link"), root);
        new AllowedPaths(List.of(linkRoot)).check(spec(hostDisk(root.resolve("disk.img")), ""));
    }

    @Test
    void kernelBootAndContainerDiskHostDirectoriesAreConfinedToo() throws Exception {
        layout();
        VmSpec s = spec("  - {name: a, containerDisk: {image: " + outside + "}}",
                "    firmware:\n      kernelBoot:\n        container: {image: " + outside.resolve("kernel") + ", kernelPath: /vmlinuz}");
        VmmException e = rejected(s);
        assertTrue(e.getMessage().contains("volume \"a\" containerDisk.image: " + outside), e.getMessage());
        assertTrue(e.getMessage().contains("spec.domain.firmware.kernelBoot.container.image: " + outside.resolve("kernel")),
                e.getMessage());
        // a DataVolume importing a host file by file:// URL
        VmSpec dv = SpecReader.read("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: confined}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, dataVolume: {name: imported}}
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: imported}
                spec:
                  source: {http: {url: "file://%s"}}
                  storage: {resources: {requests: {storage: 1Mi}}}
                """.formatted(outside.resolve("base.img")), "t.yaml", SpecContext.defaults()).spec();
        e = rejected(dv);
        assertTrue(e.getMessage().contains("DataVolume \"imported\" source.http.url: " + outside.resolve("base.img")), e.getMessage());
        // a registry reference is no host path
        new AllowedPaths(List.of(root)).check(spec("  - {name: a, containerDisk: {image: quay.io/x/y:1}}", ""));
    }
}
