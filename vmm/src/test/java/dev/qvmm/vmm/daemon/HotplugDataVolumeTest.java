package dev.qvmm.vmm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.spec.VolumeSource;
import dev.qvmm.vmm.storage.Artifact;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.HotplugSlot;
import dev.qvmm.vmm.storage.QemuCapabilities;
import dev.qvmm.vmm.storage.StoragePlanner;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code addvolume} names a claim, as virtctl does; when the VM's stream has a DataVolume of that
 * name, the claim is that DataVolume's, so the hotplug imports it first, by the same rule as a
 * start (the spec is re-read with the volume added, as {@link HotplugVolumes#add} does).
 */
class HotplugDataVolumeTest {

    private static final String STREAM = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: hp}
            spec:
              domain:
                resources: {requests: {memory: 64Mi}}
                devices:
                  disks:
                  - {name: root, disk: {bus: virtio}}
              volumes:
              - {name: root, emptyDisk: {capacity: 64Mi}}
            ---
            apiVersion: cdi.kubevirt.io/v1beta1
            kind: DataVolume
            metadata: {name: later}
            spec:
              source: {blank: {}}
              storage: {resources: {requests: {storage: 32Mi}}}
            """;

    @Test
    void aHotpluggedClaimThatIsADataVolumeIsImportedBeforeItIsAttached() {
        ObjectNode disk = QmpJson.mapper().createObjectNode().put("name", "later").put("serial", "later");
        disk.putObject("disk").put("bus", "virtio");
        ObjectNode volume = QmpJson.mapper().createObjectNode().put("name", "later");
        volume.putObject("persistentVolumeClaim").put("claimName", "later").put("hotpluggable", true);
        VmSpec spec = SpecReader.read(SpecEdit.withVolume(STREAM, disk, volume), "addvolume later", new SpecContext(false)).spec();

        VolumeSource.DataVolume dv = assertInstanceOf(VolumeSource.DataVolume.class, spec.disks().get(1).volume().source());
        assertEquals("later", dv.name());
        StoragePlanner.Hotplug plan = StoragePlanner.planHotplug(spec, "later", HostFacts.example(), QemuCapabilities.qemu72(),
                new HotplugSlot.RootPort("pci.5"));
        List<Artifact.ImportDataVolume> imports = plan.artifacts().stream()
                .filter(Artifact.ImportDataVolume.class::isInstance).map(Artifact.ImportDataVolume.class::cast).toList();
        assertEquals(1, imports.size(), () -> plan.artifacts().toString());
        assertEquals("later", imports.getFirst().dataVolume());
        assertEquals(32L << 20, imports.getFirst().sizeBytes().getAsLong());
    }
}
