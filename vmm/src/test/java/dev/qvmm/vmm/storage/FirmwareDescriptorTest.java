package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Picking OVMF from a directory of firmware descriptors as libvirt does: by file name (priority),
 * a higher directory's file hiding the same name below, an empty file masking it, the features
 * secure boot asks for, the machine type's glob, and unreadable files skipped and reported.
 */
class FirmwareDescriptorTest {

    @TempDir
    Path dir;

    private static String descriptor(String code, String vars, String machines, String... features) {
        return """
                {"description": "test", "interface-types": ["uefi"],
                 "mapping": {"device": "flash", "executable": {"filename": "%s", "format": "raw"},
                             "nvram-template": {"filename": "%s", "format": "raw"}},
                 "targets": [{"architecture": "x86_64", "machines": [%s]}],
                 "features": [%s], "tags": []}
                """.formatted(code, vars, machines, String.join(",", List.of(features).stream().map(f -> "\"" + f + "\"").toList()));
    }

    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: fw}
            spec:
              domain:
                resources: {requests: {memory: 128Mi}}
                features: {smm: {}}
                firmware: {bootloader: {efi: {secureBoot: SB}}}
            """;

    private FirmwarePlan plan(boolean secureBoot, List<FirmwareDescriptor> descriptors) {
        return StoragePlanner.plan(SpecReader.read(SPEC.replace("SB", Boolean.toString(secureBoot)), "fw.yaml",
                SpecContext.defaults()).spec(), HostFacts.example().withFirmware(descriptors), QemuCapabilities.qemu72()).firmware();
    }

    @Test
    void picksByPriorityFeaturesAndMachine() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(share.resolve("30-i440fx-only.json"), descriptor("/fw/pc.fd", "/fw/pc-vars.fd", "\"pc-i440fx-*\""));
        Files.writeString(share.resolve("40-secure-enrolled.json"), descriptor("/fw/sb.fd", "/fw/ms-vars.fd", "\"pc-q35-*\"",
                "enrolled-keys", "requires-smm", "secure-boot"));
        Files.writeString(share.resolve("50-secure.json"), descriptor("/fw/sb.fd", "/fw/vars.fd", "\"pc-q35-*\"",
                "requires-smm", "secure-boot"));
        Files.writeString(share.resolve("60-plain.json"), descriptor("/fw/plain.fd", "/fw/vars.fd", "\"pc-q35-*\""));
        Files.writeString(share.resolve("70-plain-later.json"), descriptor("/fw/later.fd", "/fw/vars.fd", "\"pc-q35-*\""));
        Files.writeString(share.resolve("README"), "not a descriptor");
        List<String> unreadable = new ArrayList<>();
        List<FirmwareDescriptor> all = FirmwareDescriptor.load(List.of(etc, share), unreadable);
        assertEquals(List.of(), unreadable);
        assertEquals(5, all.size());

        FirmwarePlan secure = plan(true, all);
        assertEquals(Path.of("/fw/sb.fd"), secure.descriptor().orElseThrow().executable());
        assertEquals(Path.of("/fw/ms-vars.fd"), secure.descriptor().orElseThrow().nvramTemplate().orElseThrow());
        assertTrue(secure.machineOptions().contains("smm=on"));
        assertEquals(List.of("driver=cfi.pflash01,property=secure,value=on"), secure.globals());
        // Not secure: the first q35 build without secure-boot, not the i440fx-only one before it.
        FirmwarePlan plain = plan(false, all);
        assertEquals(Path.of("/fw/plain.fd"), plain.descriptor().orElseThrow().executable());
        assertEquals(List.of(), plain.globals());

        // /etc hides a name in /usr/share, and an empty file masks it.
        Files.writeString(etc.resolve("60-plain.json"), "");
        Files.writeString(etc.resolve("40-secure-enrolled.json"), descriptor("/etc-fw/sb.fd", "/etc-fw/ms.fd", "\"pc-q35-7.*\"",
                "enrolled-keys", "requires-smm", "secure-boot"));
        all = FirmwareDescriptor.load(List.of(etc, share), unreadable);
        assertEquals(Path.of("/etc-fw/sb.fd"), plan(true, all).descriptor().orElseThrow().executable());
        assertEquals(Path.of("/fw/later.fd"), plan(false, all).descriptor().orElseThrow().executable());
    }

    @Test
    void machineGlobMustMatchTheVersionedMachine() throws Exception {
        Files.writeString(dir.resolve("40-q35-8.json"), descriptor("/fw/sb.fd", "/fw/ms.fd", "\"pc-q35-8.*\"",
                "enrolled-keys", "requires-smm", "secure-boot"));
        List<FirmwareDescriptor> all = FirmwareDescriptor.load(List.of(dir), new ArrayList<>());
        assertTrue(all.getFirst().fits("pc-q35-8.1", java.util.Set.of("secure-boot"), java.util.Set.of()));
        assertFalse(all.getFirst().fits("pc-q35-7.2", java.util.Set.of(), java.util.Set.of()));
        VmmException e = assertThrows(VmmException.class, () -> plan(true, all));
        assertEquals(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, e.kind());
        assertTrue(e.getMessage().contains("spec.domain.firmware.bootloader.efi"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install ovmf"), e.getMessage());
        assertTrue(e.getMessage().contains("40-q35-8.json"), e.getMessage());
    }

    @Test
    void unreadableDescriptorsAreSkippedAndReported() throws Exception {
        Files.writeString(dir.resolve("10-broken.json"), "{ not json");
        Files.writeString(dir.resolve("20-no-executable.json"), "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\"}}");
        Files.writeString(dir.resolve("60-plain.json"), descriptor("/fw/plain.fd", "/fw/vars.fd", "\"pc-q35-*\""));
        List<String> unreadable = new ArrayList<>();
        List<FirmwareDescriptor> all = FirmwareDescriptor.load(List.of(dir, dir.resolve("missing")), unreadable);
        assertEquals(1, all.size());
        assertEquals(2, unreadable.size(), unreadable.toString());
        assertTrue(unreadable.get(0).contains("10-broken.json") && unreadable.get(1).contains("20-no-executable.json"));
    }

    /** The descriptors Debian's ovmf package installs here read back as {@link HostFacts#example()} writes them. */
    @Test
    void debianDescriptorsOnThisHostMatchTheGoldenFacts() {
        List<String> unreadable = new ArrayList<>();
        List<FirmwareDescriptor> host = FirmwareDescriptor.load(List.of(Path.of("/usr/share/qemu/firmware")), unreadable);
        assertEquals(List.of(), unreadable);
        assertEquals(HostFacts.debianOvmf(), host, "is the ovmf package (2022.11, Debian 12) installed? apt-get install ovmf");
    }
}
