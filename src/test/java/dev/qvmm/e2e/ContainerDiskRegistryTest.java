package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.image.LoopbackRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A containerDisk pulled from a real registry on loopback (Debian's docker-registry, started
 * here) by {@code qvmm run}, with the kernel and initrd from the registry as well: the probe guest
 * sees the image's disk at its virtual size, the store
 * keeps the pulled disk by digest, the VM's overlay goes with the VM; an unreachable registry
 * fails before QEMU starts, naming the volume.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ContainerDiskRegistryTest {

    private static final long DISK = 44L << 20;

    @TempDir
    static Path dir;
    static Path guest;
    static LoopbackRegistry registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        guest = ProbeGuest.build();
        registry = LoopbackRegistry.start(dir.resolve("registry"));
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static String spec(String name, String image) {
        return spec(name, guest.toString(), image);
    }

    static String spec(String name, String kernelImage, String image) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      disks:
                      - {name: root, disk: {bus: virtio}, serial: CDISK-1}
                  volumes:
                  - {name: root, containerDisk: {image: "%s"}}
                """.formatted(name, kernelImage, image);
    }

    @Test
    void theGuestSeesTheDiskPulledFromTheRegistry() throws Exception {
        Path qcow2 = HostImages.qcow2(dir.resolve("disk.qcow2"), DISK);
        LoopbackRegistry.Pushed pushed = registry.push("disks/probe:v1", List.of(Map.of("disk/disk.qcow2", qcow2)), dir);
        // The kernel and initrd come from the registry too (kernelBoot.container.image).
        LoopbackRegistry.Pushed kernel = registry.push("kernels/probe:v1",
                List.of(Map.of("vmlinux", guest.resolve("vmlinux"), "initrd.img", guest.resolve("initrd.img"))), dir);
        Path spec = Files.writeString(dir.resolve("pulled.yaml"), spec("pulled", kernel.reference(), pushed.reference()));
        Path state = dir.resolve("state");

        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(ProbeGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                state.toString(), spec.toString());
        GuestReport report = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);
        assertEquals(String.valueOf(DISK), report.diskWithSerial("CDISK-1").get("size"), () -> "the image's virtual size:\n" + report);

        Path stored = state.resolve("images/sha256").resolve(pushed.manifestDigest().substring("sha256:".length())).resolve("disk.img");
        assertTrue(Files.isRegularFile(stored), "the pulled disk stays in the store by digest:\n" + run);
        assertEquals(-1L, Files.mismatch(qcow2, stored), "the guest never wrote to the shared copy");
        try (Stream<Path> s = Files.walk(state)) {
            assertFalse(s.anyMatch(p -> p.toString().contains("container-disks")), "the VM's overlay goes with the VM");
        }
    }

    @Test
    void anUnreachableRegistryFailsBeforeQemuStartsNamingTheVolume() throws Exception {
        String image = "127.0.0.1:" + LoopbackRegistry.freePort() + "/disks/probe:v1";
        Path spec = Files.writeString(dir.resolve("unreachable.yaml"), spec("unreachable", image));
        Path state = dir.resolve("state-unreachable");
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(60), "run", "--state-dir", state.toString(), spec.toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("volume \"root\"") && run.stderr().contains(image)
                && run.stderr().contains("connection refused"), run::toString);
        assertFalse(run.stdout().contains("QVMM "), "the guest never ran:\n" + run);
        assertFalse(Files.exists(state.resolve("run/unreachable")), "no run directory is left behind:\n" + run);
    }
}
