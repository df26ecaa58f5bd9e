package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.QomGet;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The firmware golden cases start in the real QEMU with the real OVMF this host's firmware
 * descriptors name (under {@code -S}: nothing runs): the flash nodes are what was planned, the
 * code read-only, the variable store the VM's own copy, and SMM is on where secure boot needs it.
 */
class QemuAcceptsFirmwareTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"firmware-bios-smbios", "firmware-efi", "firmware-efi-secure-boot-persistent"})
    void firmwareStarts(String name) throws Exception {
        String yaml = Files.readString(Golden.DIR.resolve(name + ".yaml"));
        HostFacts facts = new HostFacts(dir.resolve("claims"), dir.resolve("run"), dir.resolve("store"), Accelerator.TCG,
                Set.of(), Map.of(), false, dir.resolve("pr.sock"), false, 2, dir)
                .withFirmware(FirmwareDescriptor.load(FirmwareDescriptor.SYSTEM_DIRECTORIES, new ArrayList<>()));
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(yaml, name, SpecContext.defaults()).spec(), facts,
                new QemuCapabilities(QemuAcceptsPlanTest.QEMU, "7.2", false));
        QemuAcceptsPlanTest.prepare(plan);
        Path socket = dir.resolve("qmp.sock");
        List<String> argv = new ArrayList<>(ArgvRenderer.argv(plan));
        argv.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        Path log = dir.resolve("qemu.log");
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!dev.qvmm.vmm.launch.UnixSockets.listening(socket)) {
                assertTrue(qemu.isAlive(), () -> name + ": QEMU refused the planned argv:\n" + read(log) + "\n" + String.join("\n", argv));
                assertTrue(System.nanoTime() < deadline, "no QMP socket within 30 s");
                Thread.sleep(10);
            }
            try (QmpClient qmp = QmpClient.connect(socket)) {
                Map<String, BlockDeviceInfo> nodes = qmp.execute(new QueryNamedBlockNodes(true)).get(10, TimeUnit.SECONDS)
                        .stream().filter(n -> n.nodeName() != null && !n.nodeName().startsWith("#"))
                        .collect(Collectors.toMap(BlockDeviceInfo::nodeName, Function.identity(), (a, b) -> a));
                String smm = qmp.execute(new QomGet("/machine", "smm")).get(10, TimeUnit.SECONDS).asText();
                if (plan.firmware().descriptor().isEmpty()) {
                    assertFalse(nodes.containsKey("pflash0-format"));
                    assertEquals("on", smm, "features.smm: {} is honoured");
                    return;
                }
                assertTrue(nodes.get("pflash0-format").ro(), "the firmware code is read-only");
                assertFalse(nodes.get("pflash1-format").ro(), "the variable store is writable");
                Artifact.CopyEfiVars vars = plan.artifacts().stream().filter(a -> a instanceof Artifact.CopyEfiVars)
                        .map(a -> (Artifact.CopyEfiVars) a).findFirst().orElseThrow();
                assertEquals(vars.path().toString(), nodes.get("pflash1-storage").file());
                assertTrue(vars.path().startsWith(dir), vars.path() + " is under the state or run directory");
                if (plan.firmware().descriptor().get().features().contains("requires-smm")) {
                    assertEquals("on", smm);
                }
            }
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }
}
