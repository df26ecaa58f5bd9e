package dev.qvmm.vmm.spec;

import static dev.qvmm.vmm.spec.Admitted.one;
import static dev.qvmm.vmm.spec.Admitted.plans;
import static dev.qvmm.vmm.spec.Admitted.refused;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KubeVirt's disk admission rules (pkg/storage/admitters/disks.go): blockSize, disk names as DNS
 * labels, errorPolicy. Each refused case names rule and field path; each rule has an admitted
 * counterpart that plans.
 */
class DiskAdmissionTest {

    private static final String EMPTY = "{name: a, emptyDisk: {capacity: 1Gi}}";
    private static final String D = "spec.domain.devices.disks[0]";

    private static String custom(String bus, String sizes) {
        return one("{name: a, disk: {bus: " + bus + "}, blockSize: {custom: {" + sizes + "}}}", EMPTY);
    }

    static Stream<Arguments> refusedBlockSizes() {
        String c = D + ".blockSize.custom";
        return Stream.of(
                Arguments.of(custom("virtio", "logical: 4096, physical: 512"), c + ".logical"),
                Arguments.of(custom("virtio", "logical: 256, physical: 256"), c + ".logical"),
                Arguments.of(custom("virtio", "logical: 512, physical: 4194304"), c + ".physical"),
                Arguments.of(custom("virtio", "logical: 512, physical: 3072"), c + ".physical"),
                Arguments.of(custom("virtio", "logical: -512, physical: 512"), c + ".logical"),
                Arguments.of(custom("virtio", "logical: 512"), c + ".logical"),
                Arguments.of(custom("sata", "logical: 4096, physical: 4096"), c + ".logical"),
                Arguments.of(one("{name: a, cdrom: {bus: sata}, blockSize: {custom: {logical: 2048, physical: 2048}}}",
                        "{name: a, persistentVolumeClaim: {claimName: a}}"), c + ".logical"),
                Arguments.of(custom("virtio", "logical: 4096, physical: 4096, discardGranularity: 6144"), c + ".discardGranularity"),
                Arguments.of(one("{name: a, disk: {bus: virtio}, blockSize: {custom: {logical: 512, physical: 512}, matchVolume: {}}}",
                        EMPTY), D + ".blockSize"),
                Arguments.of(one("{name: a, disk: {bus: virtio}, blockSize: {custom: {logical: 512, physical: 512}, "
                        + "matchVolume: {enabled: true}}}", EMPTY), D + ".blockSize"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusedBlockSizes")
    void blockSizeKubeVirtRefusesIsRefused(String yaml, String path) {
        refused(yaml, SpecProblem.Rule.INVALID_BLOCK_SIZE, path);
    }

    @Test
    void customSizesAreRenderedOnTheDevice() {
        List<String> argv = plans(custom("virtio", "logical: 4096, physical: 4096, discardGranularity: 8192"));
        assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"virtio-blk-pci\"") && a.contains("\"logical_block_size\":4096")
                && a.contains("\"physical_block_size\":4096") && a.contains("\"discard_granularity\":8192")), argv.toString());
    }

    @Test
    void sataTakesLogical512WithALargerPhysicalSize() {
        List<String> argv = plans(custom("sata", "logical: 512, physical: 4096"));
        assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"ide-hd\"") && a.contains("\"logical_block_size\":512")
                && a.contains("\"physical_block_size\":4096")), argv.toString());
    }

    @Test
    void largestSizesAndScsiPlan() {
        List<String> argv = plans(custom("scsi", "logical: 2097152, physical: 2097152"));
        assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"scsi-hd\"") && a.contains("\"logical_block_size\":2097152")), argv.toString());
    }

    @Test
    void matchVolumeDisabledLeavesTheCustomSizes() {
        List<String> argv = plans(one("{name: a, disk: {bus: virtio}, blockSize: {custom: {logical: 512, physical: 4096}, "
                + "matchVolume: {enabled: false}}}", EMPTY));
        assertTrue(argv.stream().anyMatch(a -> a.contains("\"physical_block_size\":4096")), argv.toString());
    }

    @Test
    void withoutBlockSizeQemuDefaultsAreLeftAlone() {
        List<String> argv = plans(one("{name: a, disk: {bus: virtio}}", EMPTY));
        assertTrue(argv.stream().noneMatch(a -> a.contains("block_size")), argv.toString());
    }

    @Test
    void matchVolumeIsRefusedByName() {
        refused(one("{name: a, disk: {bus: virtio}, blockSize: {matchVolume: {}}}", EMPTY),
                SpecProblem.Rule.UNSUPPORTED_VALUE, D + ".blockSize.matchVolume");
    }

    @Test
    void aLunPassedThroughReportsItsOwnSizes() {
        String yaml = """
                # a Block claim bound to a host device: the lun becomes scsi-block
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: t}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, lun: {}, blockSize: {custom: {logical: 4096, physical: 4096}}}
                  volumes:
                  - {name: a, persistentVolumeClaim: {claimName: dev}}
                ---
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: dev}, spec: {volumeMode: Block, volumeName: pv}}
                ---
                {apiVersion: v1, kind: PersistentVolume, metadata: {name: pv}, spec: {volumeMode: Block, local: {path: /dev/sdb}}}
                """;
        refused(yaml, SpecProblem.Rule.INVALID_BLOCK_SIZE, D + ".blockSize");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Data", "data_disk", "data.disk", "-data", "data-"})
    void diskNamesAreDnsLabels(String name) {
        refused(one("{name: '" + name + "', disk: {}}", "{name: '" + name + "', emptyDisk: {capacity: 1Gi}}"),
                SpecProblem.Rule.INVALID_NAME, D + ".name");
    }

    @Test
    void aDiskNameOf64CharactersIsRefusedAnd63Plans() {
        String n64 = "d".repeat(64);
        refused(one("{name: " + n64 + ", disk: {}}", "{name: " + n64 + ", emptyDisk: {capacity: 1Gi}}"),
                SpecProblem.Rule.INVALID_NAME, D + ".name");
        String n63 = "d".repeat(63);
        plans(one("{name: " + n63 + ", disk: {}}", "{name: " + n63 + ", emptyDisk: {capacity: 1Gi}}"));
    }

    @Test
    void volumeNamesAreDnsLabels() {
        refused(Admitted.vmi("- {name: a, volumeName: Vol_1, disk: {}}\n", "- {name: Vol_1, emptyDisk: {capacity: 1Gi}}\n"), SpecProblem.Rule.INVALID_NAME, "spec.volumes[0].name");
    }

    @Test
    void anEmptyErrorPolicyIsRefused() {
        refused(one("{name: a, disk: {}, errorPolicy: ''}", EMPTY), SpecProblem.Rule.INVALID_ERROR_POLICY, D + ".errorPolicy");
    }

    @Test
    void anUnknownErrorPolicyIsRefusedAndEachKnownOnePlans() {
        refused(one("{name: a, disk: {}, errorPolicy: Stop}", EMPTY), SpecProblem.Rule.INVALID_ERROR_POLICY, D + ".errorPolicy");
        for (String policy : List.of("stop", "report", "ignore", "enospace")) {
            plans(one("{name: a, disk: {}, errorPolicy: " + policy + "}", EMPTY));
        }
    }
}
