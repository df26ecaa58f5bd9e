package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PlannerTest {

    /** A VMI with {@code n} virtio emptyDisks named with long names, as the benchmark plans it; no NIC (the disks alone fill pcie.0). */
    static String virtioDisks(int n) {
        StringBuilder disks = new StringBuilder();
        StringBuilder volumes = new StringBuilder();
        for (int i = 0; i < n; i++) {
            disks.append("      - {name: data-disk-with-a-rather-long-name-").append(i).append(", disk: {bus: virtio}}\n");
            volumes.append("  - {name: data-disk-with-a-rather-long-name-").append(i).append(", emptyDisk: {capacity: 1Gi}}\n");
        }
        return "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: many}\nspec:\n  domain:\n"
                + "    ioThreadsPolicy: auto\n    cpu: {cores: 4}\n    resources: {requests: {memory: 1Gi}}\n"
                + "    devices:\n      autoattachPodInterface: false\n      blockMultiQueue: true\n      disks:\n" + disks + "  volumes:\n" + volumes;
    }

    private static VmSpec spec(String yaml) {
        return SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).spec();
    }

    @Test
    void sixtyFourDisksPlanWithShortUniqueNodeNames() {
        StoragePlan plan = StoragePlanner.plan(spec(virtioDisks(64)), HostFacts.example(), QemuCapabilities.qemu72());
        assertEquals(64, plan.disks().size());
        assertEquals(8, plan.iothreads().count());
        long distinct = plan.disks().stream().flatMap(d -> d.nodes().stream()).map(n -> n.nodeName().value()).distinct().count();
        assertEquals(128, distinct);
        plan.disks().forEach(d -> d.nodes().forEach(n -> assertTrue(n.nodeName().value().length() <= NodeName.MAX_LENGTH)));
        assertEquals("vdbl", plan.disks().get(63).targetDev());
    }

    @Test
    void theLastAddressableRootPortIsUsedAndOneMoreIsRefused() {
        HostFacts facts = HostFacts.example();
        int fit = PciLayout.MAX_PORTS - facts.spareRootPorts();
        StoragePlan plan = StoragePlanner.plan(spec(virtioDisks(fit)), facts, QemuCapabilities.qemu72());
        assertTrue(ArgvRenderer.argv(plan).stream().anyMatch(a -> a.contains("\"addr\":\"0x1e.7\"")));
        VmmException e = assertThrows(VmmException.class,
                () -> StoragePlanner.plan(spec(virtioDisks(fit + 1)), facts, QemuCapabilities.qemu72()));
        assertEquals(VmmException.Kind.LAYOUT_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("241") && e.getMessage().contains("240"), e.getMessage());
    }

    @Test
    void threeFloppiesDoNotFit() {
        String yaml = "apiVersion: kubevirt.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: f}\nspec:\n  domain:\n"
                + "    resources: {requests: {memory: 64M}}\n    devices:\n      disks:\n"
                + "      - {name: a, floppy: {}}\n      - {name: b, floppy: {}}\n      - {name: c, floppy: {}}\n"
                + "  volumes:\n  - {name: a, emptyDisk: {capacity: 1Mi}}\n  - {name: b, emptyDisk: {capacity: 1Mi}}\n"
                + "  - {name: c, emptyDisk: {capacity: 1Mi}}\n";
        VmmException e = assertThrows(VmmException.class, () -> StoragePlanner.plan(spec(yaml), HostFacts.example(), QemuCapabilities.qemu72()));
        assertEquals(VmmException.Kind.LAYOUT_EXHAUSTED, e.kind());
    }

    @Test
    void planningIsDeterministic() throws Exception {
        VmSpec s = spec(Files.readString(Path.of("../examples/buses-and-boot.yaml")));
        assertEquals(ArgvRenderer.argv(StoragePlanner.plan(s, HostFacts.example(), QemuCapabilities.qemu72())),
                ArgvRenderer.argv(StoragePlanner.plan(s, HostFacts.example(), QemuCapabilities.qemu72())));
    }

    @Test
    void jsonPlanHasNodesDevicesIothreadsPinsAndArtifacts() throws Exception {
        VmSpec s = spec(Files.readString(Golden.DIR.resolve("iothreads-pinning-dedicated-cpus.yaml")));
        JsonNode json = PlanJson.render(StoragePlanner.plan(s, HostFacts.example(), QemuCapabilities.qemu72()));
        assertEquals(2, json.path("iothreads").path("count").asInt());
        assertEquals("iothread2", json.path("iothreads").path("disks").path("b").asText());
        assertEquals("[0,1]", json.path("iothreads").path("pins").get(0).path("vcpus").toString());
        assertEquals("d-a", json.path("disks").get(0).path("top").asText());
        assertEquals("vda", json.path("disks").get(0).path("target").asText());
        assertEquals("create-empty-disk", json.path("artifacts").get(0).path("type").asText());
        assertEquals(1073741824L, json.path("artifacts").get(0).path("sizeBytes").asLong());
        assertEquals("virtio-blk-pci", json.path("disks").get(1).path("device").path("driver").asText());
        assertTrue(json.path("argv").size() > 10);
    }
}
