package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The stream as the KubeVirt lab writes it: DataVolumes named by {@code persistentVolumeClaim}
 * (CDI's claim of the same name), objects that nothing uses, volumes without a disk, and the bad
 * input around them.
 */
class DataVolumeClaimTest {

    private static final SpecContext CONTEXT = new SpecContext(false);

    private static String dv(String name, String mode) {
        return """
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: %s}
                spec:
                  source: {blank: {}}
                  storage:
                    volumeMode: %s
                    accessModes: [ReadWriteOnce]
                    resources: {requests: {storage: 128Mi}}
                """.formatted(name, mode);
    }

    private static String vm(String disks, String volumes) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: lab}
                spec:
                  running: false
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices:
                          disks:
                %s      volumes:
                %s""".formatted(disks, volumes);
    }

    private static SpecReader.Result read(String yaml) {
        return SpecReader.read(yaml, "lab.yaml", CONTEXT);
    }

    private static DiskSpec disk(VmSpec spec, String name) {
        return spec.disks().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name));
    }

    private static List<String> warnings(SpecReader.Result r) {
        return r.warnings().stream().map(w -> w.path() + ": " + w.message()).toList();
    }

    @Test
    void aClaimNamedLikeADataVolumeIsThatDataVolumeAndKeepsReadOnly() {
        SpecReader.Result r = read(vm("""
                            - {name: blockdisk, disk: {bus: virtio}}
                            - {name: fsdisk, disk: {bus: virtio}}
                """, """
                        - {name: blockdisk, persistentVolumeClaim: {claimName: lab-block-disk}}
                        - {name: fsdisk, persistentVolumeClaim: {claimName: lab-fs-disk, readOnly: true}}
                """) + dv("lab-block-disk", "Block") + dv("lab-fs-disk", "Filesystem"));
        VolumeSource.DataVolume block = assertInstanceOf(VolumeSource.DataVolume.class, disk(r.spec(), "blockdisk").volume().source());
        assertEquals("lab-block-disk", block.name());
        assertEquals(ClaimInfo.VolumeMode.BLOCK, block.claim().mode());
        assertEquals(128L << 20, block.claim().requestedBytes().getAsLong());
        assertEquals("persistentVolumeClaim", block.specName(), "said the way the user wrote it");
        DiskSpec fs = disk(r.spec(), "fsdisk");
        VolumeSource.DataVolume fsSource = assertInstanceOf(VolumeSource.DataVolume.class, fs.volume().source());
        assertTrue(fsSource.readOnly() && fs.readOnly(), "readOnly of the claim is kept");
        assertEquals(List.of(), warnings(r), "both DataVolumes are used");
    }

    @Test
    void aClaimThatIsNoDataVolumeStaysAClaim() {
        SpecReader.Result r = read(vm("            - {name: a, disk: {}}\n",
                "        - {name: a, persistentVolumeClaim: {claimName: plain}}\n"));
        assertInstanceOf(VolumeSource.PersistentVolumeClaim.class, disk(r.spec(), "a").volume().source());
    }

    @Test
    void aBlockDataVolumeBindsItsPersistentVolumeByClaimRef() {
        SpecReader.Result r = read(vm("            - {name: blockdisk, disk: {}}\n",
                "        - {name: blockdisk, persistentVolumeClaim: {claimName: lab-block-disk}}\n")
                + dv("lab-block-disk", "Block") + """
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: local-block}
                spec:
                  volumeMode: Block
                  capacity: {storage: 1Gi}
                  claimRef: {name: lab-block-disk}
                  local: {path: /dev/loop7}
                """);
        VolumeSource.DataVolume dv = assertInstanceOf(VolumeSource.DataVolume.class, disk(r.spec(), "blockdisk").volume().source());
        assertEquals(Optional.of("/dev/loop7"), dv.claim().devicePath());
        assertEquals(Optional.of("/dev/loop7"), r.spec().dataVolumes().get("lab-block-disk").claim().devicePath());
    }

    @Test
    void aBlankBlockDataVolumeOnItsPersistentVolumesDeviceIsPlannedOnTheDeviceWithNothingToWrite() {
        SpecReader.Result r = read(vm("            - {name: blockdisk, disk: {bus: virtio}}\n",
                "        - {name: blockdisk, persistentVolumeClaim: {claimName: lab-block-disk}}\n")
                + dv("lab-block-disk", "Block") + """
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: local-block}
                spec: {volumeMode: Block, capacity: {storage: 1Gi}, claimRef: {name: lab-block-disk}, local: {path: /dev/loop7}}
                """);
        dev.qvmm.vmm.storage.StoragePlan plan = dev.qvmm.vmm.storage.StoragePlanner.plan(r.spec(),
                dev.qvmm.vmm.storage.HostFacts.example(), dev.qvmm.vmm.storage.QemuCapabilities.qemu72());
        String nodes = plan.disks().getFirst().nodes().toString();
        assertTrue(nodes.contains("HostDeviceNode") && nodes.contains("/dev/loop7"), nodes);
        List<dev.qvmm.vmm.storage.Artifact> artifacts = plan.artifacts();
        assertTrue(artifacts.stream().anyMatch(a -> a instanceof dev.qvmm.vmm.storage.Artifact.RequireBlockDevice b
                && b.device().toString().equals("/dev/loop7") && b.requestedBytes().getAsLong() == 128L << 20), artifacts::toString);
        assertTrue(artifacts.stream().anyMatch(a -> a instanceof dev.qvmm.vmm.storage.Artifact.ImportDataVolume i
                && i.blockDevice() && i.source() instanceof dev.qvmm.vmm.storage.ImportSource.Blank), artifacts::toString);
    }

    @Test
    void aPersistentVolumeClaimWithADataVolumesNameIsRefusedNamingBoth() {
        VmmException e = assertThrows(VmmException.class, () -> read(vm("            - {name: a, disk: {}}\n",
                "        - {name: a, persistentVolumeClaim: {claimName: twin}}\n") + dv("twin", "Filesystem") + """
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: twin}
                spec: {resources: {requests: {storage: 1Gi}}}
                """));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        SpecProblem p = e.problems().stream().filter(x -> x.path().equals("PersistentVolumeClaim/twin: metadata.name"))
                .findFirst().orElseThrow(() -> new AssertionError(e.problems()));
        assertEquals(SpecProblem.Rule.DUPLICATE_NAME, p.rule());
        assertTrue(p.message().contains("DataVolume \"twin\" (DataVolume/twin)"), p.message());
    }

    @Test
    void aDataVolumeGivenTwiceIsRefused() {
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: lab}
                spec:
                  running: false
                  dataVolumeTemplates:
                  - metadata: {name: twice}
                    spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Gi}}}}
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices: {disks: [{name: a, disk: {}}]}
                      volumes: [{name: a, dataVolume: {name: twice}}]
                """ + dv("twice", "Filesystem");
        VmmException e = assertThrows(VmmException.class, () -> read(yaml));
        assertTrue(e.problems().stream().anyMatch(p -> p.rule() == SpecProblem.Rule.DUPLICATE_NAME
                && p.path().equals("spec.dataVolumeTemplates[0].metadata.name")
                && p.message().contains("DataVolume/twice")), () -> e.problems().toString());
    }

    @Test
    void objectsThatNothingUsesAreWarnedWithKindAndName() {
        SpecReader.Result r = read(vm("            - {name: a, disk: {}}\n", "        - {name: a, emptyDisk: {capacity: 1Gi}}\n")
                + dv("lonely-dv", "Filesystem") + """
                ---
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: lonely-pvc}, spec: {resources: {requests: {storage: 1Gi}}}}
                ---
                {apiVersion: v1, kind: ConfigMap, metadata: {name: lonely-cm}, data: {k: v}}
                ---
                {apiVersion: v1, kind: Secret, metadata: {name: lonely-secret}, stringData: {k: v}}
                ---
                {apiVersion: v1, kind: ServiceAccount, metadata: {name: lonely-sa}}
                """);
        List<String> w = warnings(r);
        for (String object : List.of("DataVolume/lonely-dv", "PersistentVolumeClaim/lonely-pvc", "ConfigMap/lonely-cm",
                "Secret/lonely-secret", "ServiceAccount/lonely-sa")) {
            String kind = object.substring(0, object.indexOf('/'));
            String name = object.substring(object.indexOf('/') + 1);
            assertTrue(w.stream().anyMatch(x -> x.startsWith(object + ": metadata.name: " + kind + " \"" + name + "\" is not used")),
                    () -> object + " not warned: " + w);
        }
    }

    @Test
    void objectsUsedIndirectlyAreNotWarned() {
        SpecReader.Result r = read(vm("""
                            - {name: a, disk: {}}
                            - {name: ci, disk: {}}
                """, """
                        - {name: a, dataVolume: {name: cloned}}
                        - {name: ci, cloudInitNoCloud: {userDataSecretRef: {name: user}}}
                """) + """
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: cloned}
                spec: {source: {pvc: {name: golden}}, storage: {resources: {requests: {storage: 1Gi}}}}
                ---
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: golden}, spec: {resources: {requests: {storage: 1Gi}}}}
                ---
                {apiVersion: v1, kind: Secret, metadata: {name: user}, stringData: {userdata: "#cloud-config"}}
                """);
        assertEquals(List.of(), warnings(r));
    }

    @Test
    void aVolumeWithoutADiskGetsKubeVirtsDefaultDisk() {
        SpecReader.Result r = read(vm("            - {name: a, disk: {bus: virtio}}\n", """
                        - {name: a, emptyDisk: {capacity: 1Gi}}
                        - {name: extra, emptyDisk: {capacity: 1Gi}}
                """));
        assertEquals(List.of("a", "extra"), r.spec().disks().stream().map(DiskSpec::name).toList(), "appended after the given disks");
        DiskSpec extra = disk(r.spec(), "extra");
        assertInstanceOf(DiskDevice.Disk.class, extra.device());
        assertEquals(Bus.SATA, extra.bus(), "KubeVirt's default bus on amd64 (setDefaultAmd64DisksBus)");
        assertEquals("extra", extra.volume().name());
        assertEquals(List.of(), warnings(r), "no longer dropped with a warning");
    }

    @Test
    void aVolumeSharedAsAFilesystemGetsNoDisk() {
        SpecReader.Result r = read(vm("            - {name: a, disk: {}}\n          filesystems:\n          - {name: share, virtiofs: {}}\n", """
                        - {name: a, emptyDisk: {capacity: 1Gi}}
                        - {name: share, persistentVolumeClaim: {claimName: data}}
                """));
        assertEquals(List.of("a"), r.spec().disks().stream().map(DiskSpec::name).toList());
        assertEquals(List.of("share"), r.spec().filesystems().stream().map(FilesystemSpec::name).toList());
    }
}
