package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.qvmm.vmm.image.LoopbackRegistry;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bootable disk image through the firmware {@code qvmm run} picks, the three ways users
 * bring such an image: a claim, a containerDisk from a registry, a DataVolume imported over http.
 * Five boots in all, each asserting what the guest itself reports:
 * <ul>
 * <li>SeaBIOS from a claim: no /sys/firmware/efi, the SMBIOS uuid and serial of the spec (a comma
 *     in the serial survives QEMU's option syntax), root on the image's third partition;</li>
 * <li>OVMF with secure boot (KubeVirt's default) from a containerDisk, persistent: the guest runs
 *     with SecureBoot=1 and finds no variable of its own; it writes one, and after a restart
 *     finds it again, because the vars file under the state directory was kept;</li>
 * <li>OVMF without secure boot from a DataVolume import: SecureBoot off, a fresh variable store
 *     (the variable the other VM wrote is not there), which goes with the run; started again, the
 *     guest again finds no variable of its own: every start gets a fresh copy.</li>
 * </ul>
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class FirmwareBootTest {

    private static final Duration BOOT = Duration.ofSeconds(DiskImageGuest.BOOT_DEADLINE_SECONDS);
    private static final String UUID = "5d307ca9-b3ef-428c-8861-06e72d69f223";

    @TempDir
    static Path dir;
    static Path image;

    @BeforeAll
    static void buildImage() throws Exception {
        image = DiskImageGuest.build();
    }

    private static String vm(String name, String firmware, String volume) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: %s}
                spec:
                  template:
                    spec:
                      domain:
                        cpu: {cores: 2}
                        resources: {requests: {memory: 512Mi}}
                %s
                        devices:
                          disks:
                          - {name: root, disk: {bus: virtio}, bootOrder: 1}
                      volumes:
                      - %s
                """.formatted(name, firmware.indent(8).stripTrailing(), volume);
    }

    private static GuestReport boot(Path state, Path spec) throws Exception {
        long start = System.nanoTime();
        QvmmCli.Result run = QvmmCli.run(BOOT, "run", "--state-dir", state.toString(), spec.toString());
        System.out.printf("%s: qvmm run to guest power-off %.1f s%n", spec.getFileName(), (System.nanoTime() - start) / 1e9);
        GuestReport report = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);
        return report;
    }

    private static GuestReport.Line line(GuestReport r, String kind) {
        return r.all(kind).stream().findFirst().orElseThrow(() -> new AssertionError("no " + kind + " line:\n" + r));
    }

    @Test
    void seabiosBootsTheImageFromAClaimWithTheSpecsSmbios() throws Exception {
        Path state = dir.resolve("bios-state");
        Path claim = state.resolve("claims/bios-root/disk.img");
        Files.createDirectories(claim.getParent());
        Process convert = new ProcessBuilder("qemu-img", "convert", "-O", "raw", image.toString(), claim.toString())
                .redirectErrorStream(true).start();
        assertTrue(convert.waitFor(120, TimeUnit.SECONDS) && convert.exitValue() == 0, "qemu-img convert failed");
        Path spec = Files.writeString(dir.resolve("fw-bios.yaml"), vm("fw-bios", """
                firmware:
                  uuid: %s
                  serial: "QVMM-SN,1"
                  bootloader: {bios: {}}""".formatted(UUID.toUpperCase(java.util.Locale.ROOT)),
                "{name: root, persistentVolumeClaim: {claimName: bios-root}}"));
        GuestReport r = boot(state, spec);
        assertEquals("bios", line(r, "firmware").get("kind"), r::toString);
        assertEquals(UUID, line(r, "smbios").get("uuid"), r::toString);
        assertEquals("QVMM-SN,1", line(r, "smbios").get("serial"), r::toString);
        assertEquals("/dev/vda3", line(r, "root").get("source"), r::toString);
        assertTrue(Files.isRegularFile(claim), "the claim is the user's and stays");
    }

    @Test
    void secureBootFromAContainerDiskKeepsItsVariablesAcrossARestart() throws Exception {
        try (LoopbackRegistry registry = LoopbackRegistry.start(dir.resolve("registry"))) {
            long push = System.nanoTime();
            LoopbackRegistry.Pushed pushed = registry.push("disks/bootable:v1", List.of(Map.of("disk/disk.qcow2", image)),
                    Files.createDirectories(dir.resolve("push")));
            System.out.printf("pushing the image to the registry: %.1f s%n", (System.nanoTime() - push) / 1e9);
            Path state = dir.resolve("sb-state");
            Path spec = Files.writeString(dir.resolve("fw-sb.yaml"), vm("fw-sb", """
                    features: {smm: {}}
                    firmware:
                      bootloader: {efi: {persistent: true}}""",
                    "{name: root, containerDisk: {image: \"" + pushed.reference() + "\"}}"));
            GuestReport first = boot(state, spec);
            GuestReport.Line fw = line(first, "firmware");
            assertEquals("efi", fw.get("kind"), first::toString);
            assertEquals("1", fw.get("secureboot"), () -> "secure boot is on:\n" + first);
            assertEquals("absent", fw.get("stamp"), () -> "a new persistent store is the template's:\n" + first);
            assertEquals("/dev/vda3", line(first, "root").get("source"), first::toString);
            Path vars = state.resolve("efi/fw-sb/OVMF_VARS.fd");
            assertTrue(Files.isRegularFile(vars), "the persistent variable store is under the state directory");

            GuestReport second = boot(state, spec);
            assertEquals("boot1", line(second, "firmware").get("stamp"), () -> "the variable the first boot wrote is kept:\n" + second);
            assertEquals("1", line(second, "firmware").get("secureboot"), second::toString);
        }
    }

    @Test
    void uefiWithoutSecureBootFromADataVolumeStartsWithFreshVariables() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/disk.qcow2", ex -> {
            ex.sendResponseHeaders(200, Files.size(image));
            try (OutputStream o = ex.getResponseBody()) {
                Files.copy(image, o);
            }
        });
        server.start();
        try {
            Path state = dir.resolve("dv-state");
            String yaml = vm("fw-dv", """
                    firmware:
                      bootloader: {efi: {secureBoot: false}}""", "{name: root, dataVolume: {name: fw-dv-root}}") + """
                      dataVolumeTemplates:
                      - metadata: {name: fw-dv-root}
                        spec:
                          pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 3Gi}}}
                          source: {http: {url: "http://127.0.0.1:%d/disk.qcow2"}}
                    """.formatted(server.getAddress().getPort());
            Path spec = Files.writeString(dir.resolve("fw-dv.yaml"), yaml);
            GuestReport r = boot(state, spec);
            GuestReport.Line fw = line(r, "firmware");
            assertEquals("efi", fw.get("kind"), r::toString);
            assertNotEquals("1", fw.get("secureboot"), () -> "secure boot is off:\n" + r);
            assertEquals("absent", fw.get("stamp"), () -> "a fresh variable store:\n" + r);
            assertEquals("/dev/vda3", line(r, "root").get("source"), r::toString);
            assertFalse(Files.exists(state.resolve("efi")), "nothing persistent for a non-persistent VM");
            assertFalse(Files.exists(state.resolve("run/fw-dv/OVMF_VARS.fd")), "the fresh store goes with the run");
            assertTrue(Files.isRegularFile(state.resolve("claims/fw-dv-root/disk.img")), "the imported claim stays");

            // The first boot wrote its variable into that copy; the next start copies the template afresh.
            GuestReport again = boot(state, spec);
            assertEquals("absent", line(again, "firmware").get("stamp"), () -> "a fresh variable store per start:\n" + again);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badFirmwareIsRefusedBeforeAnythingIsCreated() throws Exception {
        Path state = dir.resolve("bad-state");
        Path spec = Files.writeString(dir.resolve("fw-bad.yaml"), vm("fw-bad", """
                firmware:
                  uuid: 5d307ca9-not-a-uuid
                  bootloader: {efi: {persistent: true}}""", "{name: root, emptyDisk: {capacity: 64Mi}}"));
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(60), "run", "--state-dir", state.toString(), spec.toString());
        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("spec.template.spec.domain.firmware.uuid"), run::toString);
        assertTrue(run.stderr().contains("spec.template.spec.domain.features.smm"), () -> "secure boot without SMM:\n" + run);
        assertFalse(Files.exists(state.resolve("run/fw-bad")), "no run directory");
        assertFalse(Files.exists(state.resolve("efi")), "no variable store");
    }
}
