package dev.qvmm.e2e;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VirtualMachine whose disk is a dataVolumeTemplate imported over http from a loopback server:
 * {@code qvmm run} imports it before QEMU starts, the guest sees the claim's requested size, and
 * the imported claim outlives the VM (it is the user's data).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DataVolumeImportGuestTest {

    private static final long MIB = 1L << 20;
    private static final long IMAGE = 12 * MIB;   // the qcow2's virtual size
    private static final long CLAIM = 30 * MIB;   // the DataVolume's request: the imported disk grows to it

    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata: {name: dv-import}
            spec:
              template:
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1"
                        container: {image: @GUEST@, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      disks:
                      - {name: imported, disk: {bus: virtio}, serial: DV-1}
                  volumes:
                  - {name: imported, dataVolume: {name: imported-dv}}
              dataVolumeTemplates:
              - metadata: {name: imported-dv}
                spec:
                  pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 30Mi}}}
                  source: {http: {url: "@URL@"}}
            """;

    @Test
    void theGuestSeesTheImportedDiskAtTheClaimsSize(@TempDir Path dir) throws Exception {
        Path guest = ProbeGuest.build();
        Path image = HostImages.qcow2(dir.resolve("served/disk.qcow2"), IMAGE);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/disk.qcow2", ex -> {
            ex.sendResponseHeaders(200, Files.size(image));
            try (OutputStream o = ex.getResponseBody()) {
                Files.copy(image, o);
            }
        });
        server.start();
        try {
            String yaml = SPEC.replace("@GUEST@", guest.toString())
                    .replace("@URL@", "http://127.0.0.1:" + server.getAddress().getPort() + "/disk.qcow2");
            RunCliTest.Running run = RunCliTest.Running.start(dir, "dv-import", yaml);
            assertEquals(0, run.awaitExit(), run::toString);
            GuestReport report = GuestReport.parse(Files.readString(run.stdout()));
            assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);
            assertEquals(String.valueOf(CLAIM), report.diskWithSerial("DV-1").get("size"), report::toString);

            Path state = run.state();
            Path disk = state.resolve("claims/imported-dv/disk.img");
            assertTrue(Files.isRegularFile(disk), "the imported claim stays after the VM ended:\n" + run);
            assertEquals(CLAIM, Files.size(disk));
            try (var s = Files.list(disk.getParent())) {
                assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".import-")), "no staging left");
            }
        } finally {
            server.stop(0);
        }
    }
}
