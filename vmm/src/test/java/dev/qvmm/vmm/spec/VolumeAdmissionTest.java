package dev.qvmm.vmm.spec;

import static dev.qvmm.vmm.spec.Admitted.one;
import static dev.qvmm.vmm.spec.Admitted.plans;
import static dev.qvmm.vmm.spec.Admitted.refused;
import static dev.qvmm.vmm.spec.Admitted.vmi;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KubeVirt's volume admission rules (validateVolumes, ValidateContainerDisks, validateKernelBoot in
 * virt-api): containerDisk and kernelBoot paths, cloud-init data limits and sources, one
 * serviceAccount and one downwardMetrics volume, and the sources qvmm does not run refused by name.
 */
class VolumeAdmissionTest {

    private static final String DISK = "{name: a, disk: {}}";

    private static String containerDisk(String path) {
        return one(DISK, "{name: a, containerDisk: {image: quay.io/containerdisks/fedora:40, path: '" + path + "'}}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk/root.qcow2", "/", "/disk/../root.qcow2", "/disk//root.qcow2", "/disk/./root.qcow2", "/disk/root.qcow2//"})
    void containerDiskPathMustBeAbsoluteWithoutRelativeComponents(String path) {
        refused(containerDisk(path), SpecProblem.Rule.INVALID_NAME, "spec.volumes[0].containerDisk.path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/disk/root.qcow2", "/custom-disk-path/disk.img", "/disk/"})
    void cleanAbsoluteContainerDiskPathsPlan(String path) {
        plans(containerDisk(path));
    }

    private static String kernelBoot(String kernelBoot) {
        return one(DISK, "{name: a, emptyDisk: {capacity: 1Gi}}")
                .replace("    devices:\n", "    firmware:\n      kernelBoot: " + kernelBoot + "\n    devices:\n");
    }

    @Test
    void kernelPathsMustBeAbsolute() {
        String kb = "spec.domain.firmware.kernelBoot.container";
        refused(kernelBoot("{container: {image: quay.io/k/k:1, kernelPath: boot/vmlinuz}}"), SpecProblem.Rule.INVALID_NAME, kb + ".kernelPath");
        refused(kernelBoot("{container: {image: quay.io/k/k:1, kernelPath: /vmlinuz, initrdPath: '/'}}"), SpecProblem.Rule.INVALID_NAME,
                kb + ".initrdPath");
        plans(kernelBoot("{kernelArgs: console=ttyS0, container: {image: quay.io/k/k:1, kernelPath: /boot/vmlinuz, initrdPath: /boot/initrd}}"));
    }

    @Test
    void kernelArgsWithoutAKernelAreRefusedAndAnEmptyKernelBootPlans() {
        refused(kernelBoot("{kernelArgs: console=ttyS0}"), SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.firmware.kernelBoot.kernelArgs");
        List<String> argv = plans(kernelBoot("{}"));
        assertTrue(argv.stream().noneMatch(a -> a.equals("-kernel")), argv.toString());
    }

    private static String cloudInit(String source, String data) {
        return one(DISK, "{name: a, " + source + ": {" + data + "}}");
    }

    private static String base64(int bytes) {
        return Base64.getEncoder().encodeToString("x".repeat(bytes).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cloudInitNoCloud", "cloudInitConfigDrive"})
    void inlineDataOverKubeVirtsLimitIsRefusedForBothSources(String source) {
        String at = "spec.volumes[0]." + source;
        refused(cloudInit(source, "userData: " + "u".repeat(2049)), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, at);
        refused(cloudInit(source, "userDataBase64: " + base64(2049)), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, at);
        refused(cloudInit(source, "networkData: " + "n".repeat(2049)), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, at);
        refused(cloudInit(source, "networkDataBase64: " + base64(2049)), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, at);
        plans(cloudInit(source, "userData: " + "u".repeat(2048) + ", networkDataBase64: " + base64(2048)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"userData: a, userDataBase64: YQ==", "networkData: a, networkDataBase64: YQ==",
            "userData: a, userDataSecretRef: {name: s}", "networkDataBase64: YQ==, networkDataSecretRef: {name: s}"})
    void dataGivenTwoWaysIsRefused(String data) {
        refused(cloudInit("cloudInitNoCloud", data), SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES, "spec.volumes[0].cloudInitNoCloud");
    }

    @Test
    void atMostOneServiceAccountVolume() {
        String two = vmi("- {name: a, disk: {}}\n- {name: b, disk: {}}\n",
                "- {name: a, serviceAccount: {serviceAccountName: x}}\n- {name: b, serviceAccount: {serviceAccountName: y}}\n");
        refused(two, SpecProblem.Rule.SINGLE_VOLUME_KIND, "spec.volumes");
        plans(one(DISK, "{name: a, serviceAccount: {serviceAccountName: x}}"));
    }

    @Test
    void atMostOneDownwardMetricsVolume() {
        String two = vmi("- {name: a, disk: {bus: virtio}}\n- {name: b, disk: {bus: virtio}}\n",
                "- {name: a, downwardMetrics: {}}\n- {name: b, downwardMetrics: {}}\n");
        refused(two, SpecProblem.Rule.SINGLE_VOLUME_KIND, "spec.volumes");
        plans(one("{name: a, disk: {bus: virtio}}", "{name: a, downwardMetrics: {}}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sysprep: {configMap: {name: answers}}", "downwardAPI: {fields: []}", "memoryDump: {claimName: dump}",
            "containerPath: {path: /var/run/secrets/x}"})
    void sourcesQvmmDoesNotRunAreRefusedByName(String source) {
        String name = source.substring(0, source.indexOf(':'));
        List<SpecProblem> all = refused(one(DISK, "{name: a, " + source + "}"), SpecProblem.Rule.UNSUPPORTED_SOURCE,
                "spec.volumes[0]." + name);
        assertTrue(all.stream().noneMatch(p -> p.rule() == SpecProblem.Rule.VOLUME_SOURCE_COUNT
                || p.rule() == SpecProblem.Rule.VOLUME_NOT_FOUND), all.toString());
    }
}
