package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One case per admission rule: the spec is refused, and among the problems is one with the
 * expected rule at the expected field path. Message text is not asserted. A last check makes sure
 * every {@link SpecProblem.Rule} has a case here.
 */
class ValidationRulesTest {

    private static final Set<SpecProblem.Rule> COVERED = EnumSet.noneOf(SpecProblem.Rule.class);

    private static String vmi(String domain, String disks, String volumes) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: t}
                spec:
                  domain:
                %s    devices:
                      disks:
                %s  volumes:
                %s""".formatted(domain.isEmpty() ? "    resources: {requests: {memory: 64Mi}}\n" : domain, disks, volumes);
    }

    /** A VirtualMachine with this runStrategy around a valid template. */
    private static String vm(String runStrategy) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: t}
                spec:
                  runStrategy: %s
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices: {disks: [{name: a, disk: {}}]}
                      volumes: [{name: a, emptyDisk: {capacity: 1Gi}}]
                """.formatted(runStrategy);
    }

    /** A VirtualMachine whose disk is DataVolume a-dv, with these dataVolumeTemplates items. */
    private static String withTemplates(String templates) {
        return vm("Always").replace("{name: a, emptyDisk: {capacity: 1Gi}}", "{name: a, dataVolume: {name: a-dv}}")
                + "  dataVolumeTemplates:\n" + templates;
    }

    /** A valid VMI with one interface and one network, as given. */
    private static String withNetwork(String iface, String network) {
        return vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")
                .replace("    devices:\n", "    devices:\n      interfaces: [" + iface + "]\n")
                .replace("spec:\n", "spec:\n  networks: [" + network + "]\n");
    }

    private static final String MEM = "    resources: {requests: {memory: 64Mi}}\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(SpecProblem.Rule.REQUIRED, "spec.volumes[0].containerDisk.image",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, containerDisk: {}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_TYPE, "spec.domain.devices.disks[0].bootOrder",
                        vmi("", "      - {name: a, disk: {}, bootOrder: [1]}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_QUANTITY, "spec.volumes[0].emptyDisk.capacity",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1GB}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_NAME, "spec.volumes[0].persistentVolumeClaim.claimName",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, persistentVolumeClaim: {claimName: ../../x}}\n")),
                Arguments.of(SpecProblem.Rule.DUPLICATE_NAME, "spec.volumes[1].name",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.VOLUME_NOT_FOUND, "spec.domain.devices.disks[0].volumeName",
                        vmi("", "      - {name: a, volumeName: b, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.VOLUME_USED_TWICE, "spec.domain.devices.filesystems[0]",
                        vmi("", "      - {name: a, disk: {}}\n      filesystems:\n      - {name: x, virtiofs: {}}\n",
                                "  - {name: a, persistentVolumeClaim: {claimName: a}}\n  - {name: x, persistentVolumeClaim: {claimName: x}}\n")
                                .replace("{name: a, disk: {}}", "{name: a, volumeName: x, disk: {}}")),
                Arguments.of(SpecProblem.Rule.VOLUME_SOURCE_COUNT, "spec.volumes[0]",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a}\n")),
                Arguments.of(SpecProblem.Rule.DISK_DEVICE_COUNT, "spec.domain.devices.disks[0]",
                        vmi("", "      - {name: a, disk: {}, lun: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.LUN_ON_FILE_VOLUME, "spec.domain.devices.disks[0].lun",
                        vmi("", "      - {name: a, lun: {}}\n", "  - {name: a, hostDisk: {path: /x.img, type: Disk}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_BUS, "spec.domain.devices.disks[0].cdrom.bus",
                        vmi("", "      - {name: a, cdrom: {bus: virtio}}\n", "  - {name: a, persistentVolumeClaim: {claimName: a}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_BUS, "spec.domain.devices.disks[0].disk",
                        vmi("", "      - {name: m, disk: {}}\n", "  - {name: m, downwardMetrics: {}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_BUS, "spec.domain.devices.disks[0].cdrom",
                        vmi("", "      - {name: m, cdrom: {bus: sata}}\n", "  - {name: m, downwardMetrics: {}}\n")),
                Arguments.of(SpecProblem.Rule.READONLY_SATA_DISK, "spec.domain.devices.disks[0].disk.readonly",
                        vmi("", "      - {name: a, disk: {bus: sata, readonly: true}}\n", "  - {name: a, persistentVolumeClaim: {claimName: a}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_SERIAL, "spec.domain.devices.disks[0].serial",
                        vmi("", "      - {name: a, disk: {}, serial: 'a/b'}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_BOOT_ORDER, "spec.domain.devices.disks[0].bootOrder",
                        vmi("", "      - {name: a, disk: {}, bootOrder: -1}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.DUPLICATE_BOOT_ORDER, "spec.domain.devices.disks[1].bootOrder",
                        vmi("", "      - {name: a, disk: {}, bootOrder: 1}\n      - {name: b, disk: {}, bootOrder: 1}\n",
                                "  - {name: a, emptyDisk: {capacity: 1Gi}}\n  - {name: b, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.DEDICATED_IOTHREAD_BUS, "spec.domain.devices.disks[0].dedicatedIOThread",
                        vmi("", "      - {name: a, disk: {bus: usb}, dedicatedIOThread: true}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_IOTHREADS_POLICY, "spec.domain.ioThreadsPolicy",
                        vmi(MEM + "    ioThreadsPolicy: Auto\n", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.MULTIQUEUE_WITHOUT_CPU, "spec.domain.devices.blockMultiQueue",
                        vmi("", "      - {name: a, disk: {bus: virtio}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")
                                .replace("    devices:\n", "    devices:\n      blockMultiQueue: true\n")),
                Arguments.of(SpecProblem.Rule.INVALID_ERROR_POLICY, "spec.domain.devices.disks[0].errorPolicy",
                        vmi("", "      - {name: a, disk: {}, errorPolicy: retry}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_CACHE, "spec.domain.devices.disks[0].cache",
                        vmi("", "      - {name: a, disk: {}, cache: directsync}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.SHAREABLE_CACHE, "spec.domain.devices.disks[0].cache",
                        vmi("", "      - {name: a, disk: {}, shareable: true, cache: writethrough}\n", "  - {name: a, persistentVolumeClaim: {claimName: a}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_IO, "spec.domain.devices.disks[0].io",
                        vmi("", "      - {name: a, disk: {}, io: default}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.EMPTYDISK_CAPACITY, "spec.volumes[0].emptyDisk.capacity",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: '0'}}\n")),
                Arguments.of(SpecProblem.Rule.HOSTDISK, "spec.volumes[0].hostDisk.capacity",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, hostDisk: {path: /d.img, type: Disk, capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.RESERVATION_DISABLED, "spec.domain.devices.disks[0].lun.reservation",
                        vmi("", "      - {name: a, lun: {reservation: true}}\n", "  - {name: a, persistentVolumeClaim: {claimName: a}}\n")),
                Arguments.of(SpecProblem.Rule.MEMORY_REQUIRED, "spec.domain.resources.requests.memory",
                        vmi("    cpu: {cores: 1}\n", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_MACHINE, "spec.domain.machine.type",
                        vmi(MEM + "    machine: {type: pc}\n", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.devices.filesystems[0]",
                        vmi("", "      - {name: a, disk: {}}\n      filesystems:\n      - {name: fs, virtiofs: {}}\n",
                                "  - {name: a, emptyDisk: {capacity: 1Gi}}\n  - {name: fs, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_VALUE, "metadata.annotations.qvmm.dev/filesystem-failure",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")
                                .replace("metadata: {name: t}", "metadata: {name: t, annotations: {qvmm.dev/filesystem-failure: maybe}}")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.runStrategy", vm("Sometimes")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.runStrategy", vm("WaitAsReceiver")),
                Arguments.of(SpecProblem.Rule.INPUT_LIMIT, "document 65", "kind: ConfigMap\n---\n".repeat(70)),
                Arguments.of(SpecProblem.Rule.YAML_ALIAS, "spec.volumes[0].emptyDisk.capacity",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: *size}}\n")
                                .replace("metadata: {name: t}", "metadata: {name: t, labels: {size: &size 1Gi}}")),
                Arguments.of(SpecProblem.Rule.DUPLICATE_KEY, "spec.volumes[0].emptyDisk.capacity",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi, capacity: 2Gi}}\n")),
                Arguments.of(SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, cloudInitNoCloud: {networkData: " + "n".repeat(2049) + "}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_BLOCK_SIZE, "spec.domain.devices.disks[0].blockSize.custom.physical",
                        vmi("", "      - {name: a, disk: {bus: virtio}, blockSize: {custom: {logical: 512, physical: 1000}}}\n",
                                "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")),
                Arguments.of(SpecProblem.Rule.UNSUPPORTED_SOURCE, "spec.volumes[0].sysprep",
                        vmi("", "      - {name: a, cdrom: {}}\n", "  - {name: a, sysprep: {configMap: {name: answers}}}\n")),
                Arguments.of(SpecProblem.Rule.SINGLE_VOLUME_KIND, "spec.volumes",
                        vmi("", "      - {name: a, disk: {}}\n      - {name: b, disk: {}}\n",
                                "  - {name: a, serviceAccount: {serviceAccountName: x}}\n  - {name: b, serviceAccount: {serviceAccountName: x}}\n")),
                Arguments.of(SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES, "spec.volumes[0].cloudInitConfigDrive",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, cloudInitConfigDrive: {userData: a, userDataBase64: YQ==}}\n")),
                Arguments.of(SpecProblem.Rule.CLAIM_SPEC_COUNT, "spec.dataVolumeTemplates[0].spec.storage",
                        withTemplates("  - {metadata: {name: a-dv}, spec: {source: {blank: {}}, pvc: {accessModes: [ReadWriteOnce], "
                                + "resources: {requests: {storage: 1Gi}}}, storage: {resources: {requests: {storage: 1Gi}}}}}\n")),
                Arguments.of(SpecProblem.Rule.INVALID_ACCESS_MODE, "spec.dataVolumeTemplates[0].spec.pvc.accessModes",
                        withTemplates("  - {metadata: {name: a-dv}, spec: {source: {blank: {}}, pvc: {resources: {requests: {storage: 1Gi}}}}}\n")),
                Arguments.of(SpecProblem.Rule.UNREFERENCED_TEMPLATE, "spec.dataVolumeTemplates[1]",
                        withTemplates("  - {metadata: {name: a-dv}, spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Gi}}}}}\n"
                                + "  - {metadata: {name: b-dv}, spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Gi}}}}}\n")),
                Arguments.of(SpecProblem.Rule.NAMESPACE_MISMATCH, "spec.dataVolumeTemplates[0].metadata.namespace",
                        withTemplates("  - {metadata: {name: a-dv, namespace: other}, spec: {source: {blank: {}}, "
                                + "storage: {resources: {requests: {storage: 1Gi}}}}}\n")),
                Arguments.of(SpecProblem.Rule.INTERFACE_BINDING, "spec.domain.devices.interfaces[0].sriov",
                        withNetwork("{name: n, sriov: {}}", "{name: n, pod: {}}")),
                Arguments.of(SpecProblem.Rule.INTERFACE_NETWORK, "spec.domain.devices.interfaces[0].name",
                        withNetwork("{name: n, masquerade: {}}", "{name: other, pod: {}}")),
                Arguments.of(SpecProblem.Rule.INVALID_MAC, "spec.domain.devices.interfaces[0].macAddress",
                        withNetwork("{name: n, masquerade: {}, macAddress: '01:00:5e:00:00:01'}", "{name: n, pod: {}}")),
                Arguments.of(SpecProblem.Rule.DUPLICATE_PORT, "spec.domain.devices.interfaces[0].ports[1]",
                        withNetwork("{name: n, masquerade: {}, ports: [{port: 80}, {port: 80, protocol: TCP}]}", "{name: n, pod: {}}")),
                Arguments.of(SpecProblem.Rule.OUT_OF_RANGE, "spec.terminationGracePeriodSeconds",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")
                                .replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: -1\n")),
                Arguments.of(SpecProblem.Rule.DOCUMENT, "document 1", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: vm, annotations: {kubernetes.io/target-runtime: virtlet.cloud}}
                        spec: {containers: [{name: vm, image: download.cirros-cloud.net/0.3.5/cirros-0.3.5-x86_64-disk.img}]}
                        """),
                Arguments.of(SpecProblem.Rule.DOCUMENT, "document 2",
                        vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n") + "---\n"
                                + vmi("", "      - {name: a, disk: {}}\n", "  - {name: a, emptyDisk: {capacity: 1Gi}}\n")));
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("cases")
    void ruleIsReportedAtItsPath(SpecProblem.Rule rule, String path, String yaml) {
        VmmException e = assertThrows(VmmException.class, () -> SpecReader.read(yaml, "t.yaml", SpecContext.defaults()));
        // The reader's own limits refuse the input before any rule runs: unreadable, with the same problem shape.
        assertTrue(e.kind() == VmmException.Kind.SPEC_INVALID || e.kind() == VmmException.Kind.SPEC_UNREADABLE, e.kind().name());
        assertTrue(e.problems().stream().anyMatch(p -> p.rule() == rule && p.path().equals(path)),
                "expected " + rule + " at " + path + ", got " + e.problems());
        COVERED.add(rule);
    }

    @Test
    void reservationIsAcceptedWhenTheHostEnablesIt() {
        String yaml = vmi("", "      - {name: a, lun: {reservation: true}}\n", "  - {name: a, persistentVolumeClaim: {claimName: a}}\n");
        DiskSpec d = SpecReader.read(yaml, "t.yaml", new SpecContext(true)).spec().disks().getFirst();
        assertEquals(new DiskDevice.Lun(true), d.device());
        assertEquals(Bus.SCSI, d.bus());
    }

    @Test
    void defaultsAreKubevirtsAmd64Ones() {
        String yaml = vmi("", "      - {name: a, disk: {}}\n      - {name: b, cdrom: {}}\n      - {name: c}\n",
                "  - {name: a, emptyDisk: {capacity: 1Gi}}\n  - {name: b, persistentVolumeClaim: {claimName: b}}\n  - {name: c, emptyDisk: {capacity: 1Gi}}\n");
        List<DiskSpec> disks = SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).spec().disks();
        assertEquals(Bus.SATA, disks.get(0).bus());
        assertEquals(Bus.SATA, disks.get(1).bus());
        assertTrue(disks.get(1).readOnly(), "a cdrom is read-only by default");
        assertEquals(new DiskDevice.Disk(), disks.get(2).device(), "no type means disk: {}");
        assertEquals(ErrorPolicy.STOP, disks.get(0).errorPolicy());
    }

    @AfterAll
    static void everyRuleHasACase() {
        Set<SpecProblem.Rule> missing = EnumSet.allOf(SpecProblem.Rule.class);
        missing.removeAll(COVERED);
        // Only meaningful when the whole class ran; a filtered run covers fewer rules.
        if (COVERED.size() > 1) {
            assertEquals(Set.of(), missing, "rules without a validation test");
        }
    }
}
